//! Compact JSON written straight into a response buffer: the bytes `serde_json::to_vec` gives for
//! the same tree, for less work.
//!
//! A page of issues is mostly object keys and short plain strings (an issue of navigable fields
//! has some seventy keys). serde_json escapes every one of them byte by byte through its map
//! serializer; here a string is scanned once and, when nothing in it needs escaping (field ids
//! and nearly all values), copied whole. A string that does need escaping, and every number, is
//! still written by serde_json, so the output cannot drift from it.

use serde_json::Value;

/// What can be written into a page: an issue, a tree of [`crate::render::Out`], a plain `Value`.
pub trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
}

/// Whether `s` can be written between quotes as it is: no quote, backslash or control character.
pub fn plain(s: &str) -> bool {
    // Without a short cut, so that the loop compiles to whole words at a time.
    s.bytes()
        .fold(true, |ok, b| ok & (b >= 0x20 && b != b'"' && b != b'\\'))
}

/// `s` as a JSON string.
pub fn string(out: &mut Vec<u8>, s: &str) -> serde_json::Result<()> {
    if plain(s) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(out, s)
    }
}

/// The parts, one after the other, as one JSON string (a URL from its pieces, without making it).
pub fn joined(out: &mut Vec<u8>, parts: &[&str]) -> serde_json::Result<()> {
    if !parts.iter().all(|p| plain(p)) {
        return string(out, &parts.concat());
    }
    out.push(b'"');
    for p in parts {
        out.extend_from_slice(p.as_bytes());
    }
    out.push(b'"');
    Ok(())
}

/// A whole number, as serde_json writes it.
pub fn int(out: &mut Vec<u8>, n: i64) -> serde_json::Result<()> {
    serde_json::to_writer(out, &n)
}

/// `"key":`, the start of an object's entry.
pub fn key(out: &mut Vec<u8>, k: &str) -> serde_json::Result<()> {
    string(out, k)?;
    out.push(b':');
    Ok(())
}

/// The entries of an object, each `(key, value)`, between braces.
pub fn object<'a, K, V, I>(out: &mut Vec<u8>, entries: I) -> serde_json::Result<()>
where
    K: AsRef<str> + 'a,
    V: WriteJson + 'a,
    I: IntoIterator<Item = (K, &'a V)>,
{
    out.push(b'{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        key(out, k.as_ref())?;
        v.write_json(out)?;
    }
    out.push(b'}');
    Ok(())
}

/// The items of an array, between brackets.
pub fn array<'a, V: WriteJson + 'a>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = &'a V>,
) -> serde_json::Result<()> {
    out.push(b'[');
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        v.write_json(out)?;
    }
    out.push(b']');
    Ok(())
}

impl WriteJson for Value {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            Value::String(s) => string(out, s),
            // In the map's own order: the order serde_json writes it in.
            Value::Object(m) => object(out, m.iter()),
            Value::Array(a) => array(out, a),
            Value::Null => {
                out.extend_from_slice(b"null");
                Ok(())
            }
            Value::Bool(b) => {
                out.extend_from_slice(if *b { b"true" } else { b"false" });
                Ok(())
            }
            Value::Number(n) => serde_json::to_writer(out, n),
        }
    }
}

impl<T: WriteJson> WriteJson for &T {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        (**self).write_json(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ours(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        v.write_json(&mut out).unwrap();
        out
    }

    #[test]
    fn joined_parts_are_one_string() {
        for parts in [&["http://h", "/issue/", "A-1"][..], &["a\"", "b\n"], &[]] {
            let mut out = Vec::new();
            joined(&mut out, parts).unwrap();
            assert_eq!(out, serde_json::to_vec(&parts.concat()).unwrap());
        }
    }

    #[test]
    fn strings_that_need_escaping_are_escaped_as_serde_json_does() {
        for s in [
            "",
            "plain",
            "a\"b",
            "back\\slash",
            "tab\there",
            "nl\n",
            "\u{1}\u{1f}",
            "é ☃ 😀",
            "\u{7f}",
            "</script>",
        ] {
            let v = json!({ s: s, "list": [s, 1, -2.5, 1e300, null, true, false, {}] });
            assert_eq!(ours(&v), serde_json::to_vec(&v).unwrap(), "{s:?}");
        }
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".*".prop_map(Value::String),
            "[a-z\"\\\\\u{0}-\u{1f}é]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(".{0,6}", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_is_written_byte_for_byte_as_serde_json_writes_it(v in any_value()) {
            prop_assert_eq!(ours(&v), serde_json::to_vec(&v).unwrap());
        }
    }
}
