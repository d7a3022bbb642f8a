//! Reads a token page's paging fields (`isLast`, `nextPageToken`) from the edges of its body,
//! without walking its items.
//!
//! The stream fetches one page ahead: as soon as a body arrives it needs to know where the next
//! page starts, so that the next request goes out while the caller decodes this one. Skipping a
//! page's items to find out costs about a tenth of the client's time on a page of issues. Jira
//! writes the items as one array and the paging fields as plain values around it, so reading
//! the plain members from the front until the first array or object, and from the back until
//! the last one, usually finds both fields.
//!
//! The answer is given only when it is certain: both fields found at the edges, or `isLast:
//! true`. A field not seen at the edges may be hidden between two arrays, so anything else is
//! `None`, and the caller skips through the whole body as before. Bodies that are not valid JSON
//! are the caller's full parse to reject.

/// `Some((is_last, token))` when the edges settle where the next page starts; `is_last` and
/// `token` as a full parse would read them (a value of the wrong type counts as absent).
pub(crate) fn from_edges(b: &[u8]) -> Option<(Option<bool>, Option<String>)> {
    let mut found = Found::default();
    let front_end = front(b, &mut found)?;
    if let Some(stop) = front_end {
        back(b, stop, &mut found)?;
    }
    match found {
        Found {
            is_last: Some(Some(true)),
            ..
        } => Some((Some(true), None)),
        Found {
            is_last: Some(is_last),
            token: Some(token),
        } => Some((is_last, token)),
        // The whole object was read and one of them is absent.
        Found { is_last, token } if front_end.is_none() => Some((is_last.flatten(), token.flatten())),
        _ => None,
    }
}

/// Each field once seen: `Some(value)`, the value `None` when it had the wrong type.
#[derive(Default)]
struct Found {
    is_last: Option<Option<bool>>,
    token: Option<Option<String>>,
}

impl Found {
    /// Records one member. A paging field seen twice at the edges makes the answer unsure (a
    /// full parse keeps the last one). A duplicate hidden between two arrays is not looked for:
    /// Jira does not send duplicate keys.
    fn member(&mut self, key: &str, value: &str) -> Option<()> {
        match key {
            "isLast" => {
                if self.is_last.is_some() {
                    return None;
                }
                self.is_last = Some(match value {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                });
            }
            "nextPageToken" => {
                if self.token.is_some() {
                    return None;
                }
                self.token = Some(match value.as_bytes().first() {
                    Some(b'"') => Some(serde_json::from_str::<String>(value).ok()?),
                    _ => None,
                });
            }
            _ => {}
        }
        Some(())
    }
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// A key as text: escapes (rare in keys) are decoded.
fn key_text(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    if raw.contains('\\') {
        serde_json::from_str::<String>(raw).ok().map(Into::into)
    } else {
        Some(raw[1..raw.len() - 1].into())
    }
}

/// Reads plain members from the front: `Some(None)` when the object ended there (all of it was
/// read), `Some(Some(at))` when an array or object starts at `at`, `None` for a shape this does
/// not read.
fn front(b: &[u8], found: &mut Found) -> Option<Option<usize>> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(None);
    }
    loop {
        let key_end = string_end(b, i)?;
        let key = key_text(std::str::from_utf8(&b[i..key_end]).ok()?)?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let value_end = match b.get(i)? {
            b'{' | b'[' => return Some(Some(i)),
            b'"' => string_end(b, i)?,
            _ => literal_end(b, i),
        };
        found.member(&key, std::str::from_utf8(&b[i..value_end]).ok()?)?;
        i = skip_ws(b, value_end);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return Some(None),
            _ => return None,
        }
    }
}

/// Reads plain members from the back, down to the last array or object (which must end after
/// `stop`, where the front stopped).
fn back(b: &[u8], stop: usize, found: &mut Found) -> Option<()> {
    let mut i = skip_ws_back(b, b.len());
    if i == 0 || b[i - 1] != b'}' {
        return None;
    }
    i = skip_ws_back(b, i - 1);
    loop {
        // `i` is one past the member's value.
        let last = *b.get(i.checked_sub(1)?)?;
        if matches!(last, b']' | b'}') {
            return (i > stop).then_some(());
        }
        let value_start = if last == b'"' {
            string_start(b, i - 1)?
        } else {
            literal_start(b, i)
        };
        let mut j = skip_ws_back(b, value_start);
        if j == 0 || b[j - 1] != b':' {
            return None;
        }
        j = skip_ws_back(b, j - 1);
        if j == 0 || b[j - 1] != b'"' {
            return None;
        }
        let key_start = string_start(b, j - 1)?;
        if key_start <= stop {
            return None;
        }
        let key = key_text(std::str::from_utf8(&b[key_start..j]).ok()?)?;
        found.member(&key, std::str::from_utf8(&b[value_start..i]).ok()?)?;
        j = skip_ws_back(b, key_start);
        match b.get(j.checked_sub(1)?)? {
            b',' => i = skip_ws_back(b, j - 1),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// Moves back over whitespace: the result is one past the last non-space byte before `i`.
fn skip_ws_back(b: &[u8], mut i: usize) -> usize {
    while i > 0 && is_ws(b[i - 1]) {
        i -= 1;
    }
    i
}

/// One past the closing quote of the string opening at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// The opening quote of the string whose closing quote is at `close`: the nearest quote before it
/// not escaped, i.e. not preceded by an odd number of backslashes.
fn string_start(b: &[u8], close: usize) -> Option<usize> {
    let mut j = close;
    while j > 0 {
        j -= 1;
        if b[j] == b'"' {
            let slashes = b[..j].iter().rev().take_while(|&&c| c == b'\\').count();
            if slashes % 2 == 0 {
                return Some(j);
            }
        }
    }
    None
}

/// One past a number, `true`, `false` or `null` starting at `i`.
fn literal_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b':') && !is_ws(b[i]) {
        i += 1;
    }
    i
}

/// Where a literal ending just before `end` starts.
fn literal_start(b: &[u8], mut end: usize) -> usize {
    while end > 0 && !matches!(b[end - 1], b',' | b'{' | b'[' | b':') && !is_ws(b[end - 1]) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{next_cursor, parse_page, Cursor, PageStyle};
    use proptest::prelude::*;
    use serde::de::IgnoredAny;
    use serde_json::{json, Value};

    /// Where the next page starts, as the full page parser reads it. (Its items key is one the
    /// bodies here do not use, so that any value goes under any key.)
    fn full(body: &str) -> Option<Cursor> {
        parse_page::<IgnoredAny>("/search", PageStyle::Token, "values", body.as_bytes())
            .unwrap()
            .next
    }

    fn edges(body: &str) -> Option<Option<Cursor>> {
        from_edges(body.as_bytes())
            .map(|(is_last, token)| next_cursor(PageStyle::Token, 0, 0, None, is_last, token.as_deref()))
    }

    #[test]
    fn jira_and_the_sandbox_layouts_are_read_from_the_edges() {
        for body in [
            r#"{"issues":[{"id":"1","fields":{"isLast":true}}],"nextPageToken":"CAEaAggD","isLast":false}"#,
            r#"{"isLast":false,"issues":[{"nextPageToken":"no"}],"nextPageToken":"o:100:c7"}"#,
            "{ \"isLast\" : false ,\n \"issues\" : [ ] , \"nextPageToken\" : \"a\\\"b\\\\\" }",
            r#"{"issues":[],"names":{"a":"b"},"isLast":true}"#,
            r#"{"isLast":true}"#,
            r#"{"isLast":false,"nextPageToken":"x"}"#,
        ] {
            assert_eq!(edges(body), Some(full(body)), "{body}");
        }
    }

    #[test]
    fn unsure_answers_are_none() {
        for body in [
            // A field may be hidden between two arrays.
            r#"{"issues":[],"isLast":false,"names":{},"nextPageToken":"x"}"#,
            r#"{"issues":[],"nextPageToken":"x","schema":{}}"#,
            r#"{"issues":[],"isLast":true,"names":{"a":"b"}}"#,
            // A duplicate: which one a full parse keeps is not for the edges to guess.
            r#"{"isLast":false,"issues":[],"isLast":false,"nextPageToken":"x"}"#,
            // Not the shapes this reads.
            r#"[1,2]"#,
            "",
        ] {
            assert_eq!(from_edges(body.as_bytes()), None, "{body}");
        }
    }

    fn member() -> impl Strategy<Value = (String, Value)> {
        let key = prop_oneof![
            Just("isLast".to_string()),
            Just("nextPageToken".to_string()),
            Just("issues".to_string()),
            Just("names".to_string()),
            "[a-z\"\\\\]{0,6}",
        ];
        let value = prop_oneof![
            any::<bool>().prop_map(Value::from),
            "[a-z:\"\\\\ {}\\[\\],]{0,8}".prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            Just(Value::Null),
            Just(json!([{"isLast": true, "nextPageToken": "inner\"", "k": "}],"}])),
            Just(json!({"nextPageToken": "z", "a": [1, {"b": "\\"}]})),
        ];
        (key, value)
    }

    proptest! {
        /// Whatever the members and their order, an answer from the edges is the full parse's.
        #[test]
        fn an_answer_from_the_edges_is_the_full_parses(
            members in proptest::collection::vec(member(), 0..6),
            spaced in any::<bool>(),
        ) {
            let sep = if spaced { " \n " } else { "" };
            let body = format!(
                "{{{sep}{}{sep}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("{}{sep}:{sep}{v}", Value::from(k.as_str())))
                    .collect::<Vec<_>>()
                    .join(&format!("{sep},{sep}"))
            );
            let keys: std::collections::HashSet<_> = members.iter().map(|(k, _)| k).collect();
            if let Some(edges) = edges(&body) {
                // With duplicate keys serde_json keeps the last; the edges refuse those they see.
                if keys.len() == members.len() {
                    prop_assert_eq!(edges, full(&body), "{}", body);
                }
            }
        }
    }
}
