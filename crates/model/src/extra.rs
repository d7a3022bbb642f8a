//! [`Extra`]: the fields a model does not type, kept as the JSON text Jira sent.

use std::fmt;
use std::ops::Range;

use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{Error as _, SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The fields of a model that jirakit does not type (custom fields, and every field Jira adds
/// tomorrow), each kept as the exact JSON text it arrived as, so a value read and written back
/// loses nothing.
///
/// Keeping the text rather than a parsed [`Value`] tree is what makes reading a page of issues
/// cheap: most of an issue's navigable fields land here, and most callers never look at them.
/// All keys and values share one buffer, so an issue's thirty-odd unknown fields cost two
/// allocations, not a tree of them. A value is parsed only when asked for: [`get`](Extra::get)
/// gives a [`Value`], [`decode`](Extra::decode) your own type, [`raw`](Extra::raw) the text.
///
/// Reading an `Extra` needs serde_json's deserializer (from text, bytes or a [`Value`]); other
/// formats cannot carry raw JSON.
#[derive(Clone, Default)]
pub struct Extra {
    /// Each entry's key then its JSON text, one after the other. A replaced or removed entry's
    /// text stays until the `Extra` is dropped.
    text: String,
    /// Sorted by key.
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    key: Range<usize>,
    value: Range<usize>,
}

impl Extra {
    pub fn new() -> Extra {
        Extra::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// The keys, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| &self.text[e.key.clone()])
    }

    /// Each key with its JSON text, in sorted key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|e| (&self.text[e.key.clone()], &self.text[e.value.clone()]))
    }

    /// The field's JSON text as it arrived.
    pub fn raw(&self, key: &str) -> Option<&str> {
        let e = &self.entries[self.find(key).ok()?];
        Some(&self.text[e.value.clone()])
    }

    /// The field, parsed. `None` when it is absent, or when its text does not fit a [`Value`]
    /// (a number beyond `f64`: [`raw`](Extra::raw) still has it).
    pub fn get(&self, key: &str) -> Option<Value> {
        serde_json::from_str(self.raw(key)?).ok()
    }

    /// The field, read as `T`: `None` when absent, the decoding error when it does not fit.
    pub fn decode<T: DeserializeOwned>(&self, key: &str) -> Option<serde_json::Result<T>> {
        self.raw(key).map(serde_json::from_str)
    }

    /// Sets a field, replacing any earlier value.
    pub fn insert(&mut self, key: &str, value: &Value) {
        self.put(key, &value.to_string());
    }

    /// Sets a field from JSON text already checked by serde_json.
    pub fn insert_raw(&mut self, key: &str, value: &RawValue) {
        self.put(key, value.get());
    }

    /// Takes a field out, parsed (see [`get`](Extra::get)).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let e = self.entries.remove(self.find(key).ok()?);
        serde_json::from_str(&self.text[e.value]).ok()
    }

    /// Every field, parsed.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .filter_map(|(k, v)| Some((k.to_owned(), serde_json::from_str(v).ok()?)))
            .collect()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|e| self.text[e.key.clone()].cmp(key))
    }

    /// `json` must be one valid JSON value: every caller's text comes from serde_json.
    fn put(&mut self, key: &str, json: &str) {
        // Keys usually arrive in order (Jira sorts them): then the entry goes last.
        let at = match self.entries.last() {
            Some(last) if &self.text[last.key.clone()] < key => Err(self.entries.len()),
            None => Err(0),
            _ => self.find(key),
        };
        if self.text.capacity() == 0 {
            // Fields arrive one at a time: room for several up front spares a reallocation (and a
            // copy of all before it) for most of them.
            self.text.reserve((key.len() + json.len()).max(256));
            self.entries.reserve(8);
        }
        let start = self.text.len();
        self.text.push_str(key);
        self.text.push_str(json);
        let entry = Entry {
            key: start..start + key.len(),
            value: start + key.len()..self.text.len(),
        };
        match at {
            Ok(i) => self.entries[i] = entry,
            Err(i) => self.entries.insert(i, entry),
        }
    }
}

impl FromIterator<(String, Value)> for Extra {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Extra {
        let mut out = Extra::new();
        for (k, v) in iter {
            out.insert(&k, &v);
        }
        out
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Extra {
        map.into_iter().collect()
    }
}

/// Two extras are equal when they hold the same keys with equal values: `1.0` and `1.00` are the
/// same number, as they are for [`Value`].
impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        self.len() == other.len()
            && self.iter().zip(other.iter()).all(|((ka, va), (kb, vb))| {
                ka == kb
                    && (va == vb
                        || serde_json::from_str::<Value>(va).ok() == serde_json::from_str::<Value>(vb).ok())
            })
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Text<'a>(&'a str);
        impl fmt::Debug for Text<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k, Text(v))))
            .finish()
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            let raw: &RawValue = serde_json::from_str(v).map_err(S::Error::custom)?;
            m.serialize_entry(k, raw)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Extra, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Extra;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Extra, A::Error> {
                let mut out = Extra::new();
                while let Some((crate::open_struct::Key(k), v)) =
                    m.next_entry::<crate::open_struct::Key, Box<RawValue>>()?
                {
                    out.insert_raw(&k, &v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_keep_their_text_and_parse_on_demand() {
        let e: Extra = serde_json::from_str(r#"{"b": 1.50, "a": {"x": [1, null]}, "big": 1e400}"#).unwrap();
        assert_eq!(e.keys().collect::<Vec<_>>(), ["a", "b", "big"]);
        assert_eq!(e.raw("b"), Some("1.50"));
        assert_eq!(e.get("a"), Some(json!({"x": [1, null]})));
        assert_eq!(e.decode::<f64>("b").unwrap().unwrap(), 1.5);
        assert!(e.decode::<String>("b").unwrap().is_err());
        assert_eq!(e.get("missing"), None);
        // Beyond f64: no Value for it, but the text is kept and written back as it came.
        assert_eq!(e.get("big"), None);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"a":{"x": [1, null]},"b":1.50,"big":1e400}"#
        );
    }

    #[test]
    fn a_repeated_key_keeps_the_last_value_as_a_map_would() {
        let e: Extra = serde_json::from_str(r#"{"k": 1, "k\u00e9y": [], "k": 2}"#).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e.get("k"), Some(json!(2)));
        assert_eq!(e.raw("kéy"), Some("[]"));
        assert_eq!(serde_json::to_value(&e).unwrap(), json!({"k": 2, "kéy": []}));
    }

    #[test]
    fn reads_from_a_value_too() {
        let e: Extra = serde_json::from_value(json!({"k": [true, "s"]})).unwrap();
        assert_eq!(e.get("k"), Some(json!([true, "s"])));
    }

    #[test]
    fn equal_means_the_same_values() {
        let a: Extra = serde_json::from_str(r#"{"n": 1.0, "s": "x"}"#).unwrap();
        let b: Extra = [("s".to_string(), json!("x")), ("n".to_string(), json!(1.0))]
            .into_iter()
            .collect();
        assert_eq!(a, b);
        let mut c = b.clone();
        c.insert("s", &json!("y"));
        c.insert("a", &json!(0));
        assert_eq!(c.keys().collect::<Vec<_>>(), ["a", "n", "s"]);
        c.remove("a");
        assert_ne!(a, c);
        assert_eq!(c.remove("s"), Some(json!("y")));
        assert_ne!(a, c);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn debug_shows_the_json_text() {
        let e: Extra = serde_json::from_str(r#"{"k": {"a": 1}}"#).unwrap();
        assert_eq!(format!("{e:?}"), r#"{"k": {"a": 1}}"#);
    }
}
