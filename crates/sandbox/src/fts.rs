//! Word search for JQL's `~`: an FTS5 index over each issue's summary, description, environment,
//! comments and text custom fields (migration 0007), kept in step with every write by triggers.
//!
//! Exactness first: the index must find what the in-memory matcher (`text_matches` in
//! jql_eval.rs) finds, which splits text on every character that is not alphanumeric in Rust's
//! sense and lower-cases with Rust's full Unicode tables. SQLite's tokenizers split and fold by
//! their own (older) tables, so the index is not given the raw text: the triggers call
//! `jk_words`, which splits and lower-cases in Rust and writes each word in an alphabet the
//! tokenizer leaves alone — ASCII letters and digits as they are, any other character as
//! `_<hex code point>_`. That is a prefix code, so `word*` stays a prefix match. A lone `_` token
//! separates the comments (and the custom fields) of one column, so a phrase never spans two
//! comments, as it never spans two columns.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::Connection;
use serde_json::Value;

/// Lower-cased words of text, split on everything that is not alphanumeric: what `~` compares.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Words of a field's value: a string, or an ADF document's plain text; nothing otherwise.
pub fn rich_words(v: &Value) -> Vec<String> {
    match v {
        Value::Null => vec![],
        Value::String(s) => words(s),
        other => jirakit_adf::Doc::from_json(other.clone())
            .map(|d| words(&d.to_plain_text()))
            .unwrap_or_default(),
    }
}

/// Appends one word in the index's alphabet.
fn encode_into(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
            out.push_str(&format!("{:x}", c as u32));
            out.push('_');
        }
    }
}

/// A word in the index's alphabet.
pub fn encode(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    encode_into(word, &mut out);
    out
}

/// Words as one column's text.
pub fn encode_words(words: &[String]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        encode_into(w, &mut out);
    }
    out
}

/// `jk_words(json, strict)`: the encoded words of a JSON value (a field's value or a comment's
/// body, as stored). With `strict` only a string counts, as for the summary.
fn jk_words(ctx: &Context<'_>) -> rusqlite::Result<String> {
    let Some(text) = ctx.get::<Option<String>>(0)? else {
        return Ok(String::new());
    };
    let strict = ctx.get::<Option<bool>>(1)?.unwrap_or(false);
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let ws = match &value {
        Value::String(s) => words(s),
        _ if strict => vec![],
        other => rich_words(other),
    };
    Ok(encode_words(&ws))
}

/// Registers the SQL functions the index's triggers and view call. Every connection that writes
/// issues or comments needs them (the writer's, opened by `db::open`).
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "jk_words",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS,
        jk_words,
    )
}

/// Stops the triggers from indexing, for a bulk write followed by [`rebuild`] in the same
/// transaction.
pub fn pause(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO kv (key, value) VALUES ('fts_paused', '1') ON CONFLICT (key) DO NOTHING",
        [],
    )?;
    Ok(())
}

/// Indexes every issue anew and lets the triggers index again.
pub fn rebuild(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("INSERT INTO issue_text (issue_text) VALUES ('delete-all')", [])?;
    conn.execute(
        "INSERT INTO issue_text (rowid, summary, description, environment, comment, other) \
         SELECT id, summary, description, environment, comment, other FROM issue_text_source",
        [],
    )?;
    conn.execute("DELETE FROM kv WHERE key = 'fts_paused'", [])?;
    Ok(())
}

/// Where a text clause searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Summary,
    Description,
    Environment,
    Comment,
    /// Every column: JQL's `text`.
    All,
}

/// One term of a `~` query: a word, `word*` (a prefix), or a quoted phrase's words in order.
pub type Term = Vec<String>;

/// The FTS5 query for terms, all required, within a column.
fn match_expr(column: Column, terms: &[Term]) -> String {
    let phrases: Vec<String> = terms
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            let mut prefix = false;
            let parts: Vec<String> = t
                .iter()
                .map(|w| match w.strip_suffix('*') {
                    Some(p) => {
                        prefix = true;
                        encode(p)
                    }
                    None => encode(w),
                })
                .collect();
            // Encoded words hold only [a-z0-9_]: nothing to escape inside the quotes.
            format!("\"{}\"{}", parts.join(" "), if prefix { "*" } else { "" })
        })
        .collect();
    let body = phrases.join(" AND ");
    match column {
        Column::All => body,
        Column::Summary => format!("{{summary}} : ({body})"),
        Column::Description => format!("{{description}} : ({body})"),
        Column::Environment => format!("{{environment}} : ({body})"),
        Column::Comment => format!("{{comment}} : ({body})"),
    }
}

/// Ids of the issues whose text in `column` has every term, ascending. At least one term must
/// be non-empty (the caller decides what no term at all means).
pub fn search(conn: &Connection, column: Column, terms: &[Term]) -> rusqlite::Result<Vec<i64>> {
    let expr = match_expr(column, terms);
    let mut ids: Vec<i64> = conn
        .prepare_cached("SELECT rowid FROM issue_text WHERE issue_text MATCH ?1")?
        .query_map([expr], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_ascii_words_and_escapes_the_rest() {
        assert_eq!(encode("checkout2"), "checkout2");
        assert_eq!(encode("café"), "caf_e9_");
        assert_eq!(
            encode_words(&words("Crème brûlée, 42!")),
            "cr_e8_me br_fb_l_e9_e 42"
        );
    }

    #[test]
    fn an_encoded_prefix_is_a_prefix_of_the_encoded_word_and_only_then() {
        for (w, p, expected) in [
            ("café", "caf", true),
            ("café", "café", true),
            ("cafés", "café", true),
            ("cafe", "café", false),
            ("café", "cafe", false),
            ("日本語", "日本", true),
            ("日本", "本", false),
        ] {
            assert_eq!(encode(w).starts_with(&encode(p)), expected, "{w} {p}");
            assert_eq!(w.starts_with(p), expected);
        }
    }
}
