//! [`Extra`]: the fields a model does not type, kept as the JSON text Jira sent.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The fields of a model that jirakit does not type (custom fields, and every field Jira adds
/// tomorrow), each kept as the exact JSON text it arrived as, so a value read and written back
/// loses nothing.
///
/// Keeping the text rather than a parsed [`Value`] tree is what makes reading a page of issues
/// cheap: most of an issue's navigable fields land here, and most callers never look at them.
/// A value is parsed only when asked for: [`get`](Extra::get) gives a [`Value`],
/// [`decode`](Extra::decode) your own type, [`raw`](Extra::raw) the text itself.
///
/// Reading an `Extra` needs serde_json's deserializer (from text, bytes or a [`Value`]); other
/// formats cannot carry raw JSON.
#[derive(Clone, Default)]
pub struct Extra(BTreeMap<String, Box<RawValue>>);

impl Extra {
    pub fn new() -> Extra {
        Extra::default()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The keys, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Each key with its JSON text, in sorted key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), &**v))
    }

    /// The field's JSON text as it arrived.
    pub fn raw(&self, key: &str) -> Option<&RawValue> {
        self.0.get(key).map(|v| &**v)
    }

    /// The field, parsed. `None` when it is absent, or when its text does not fit a [`Value`]
    /// (a number beyond `f64`: [`raw`](Extra::raw) still has it).
    pub fn get(&self, key: &str) -> Option<Value> {
        serde_json::from_str(self.0.get(key)?.get()).ok()
    }

    /// The field, read as `T`: `None` when absent, the decoding error when it does not fit.
    pub fn decode<T: DeserializeOwned>(&self, key: &str) -> Option<serde_json::Result<T>> {
        self.0.get(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// Sets a field, replacing any earlier value.
    pub fn insert(&mut self, key: impl Into<String>, value: &Value) {
        self.insert_raw(key, raw_of(value));
    }

    /// Sets a field from JSON text already checked by serde_json.
    pub fn insert_raw(&mut self, key: impl Into<String>, value: Box<RawValue>) {
        self.0.insert(key.into(), value);
    }

    /// Takes a field out, parsed (see [`get`](Extra::get)).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        serde_json::from_str(self.0.remove(key)?.get()).ok()
    }

    /// Every field, parsed.
    pub fn to_map(&self) -> Map<String, Value> {
        self.0
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), serde_json::from_str(v.get()).ok()?)))
            .collect()
    }
}

/// A `Value`'s JSON text. `Value`'s `Display` writes valid JSON, so the check cannot fail; `null`
/// stands in should it ever.
fn raw_of(value: &Value) -> Box<RawValue> {
    RawValue::from_string(value.to_string()).unwrap_or_default()
}

impl FromIterator<(String, Value)> for Extra {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Extra {
        Extra(iter.into_iter().map(|(k, v)| (k, raw_of(&v))).collect())
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
            && self.0.iter().zip(&other.0).all(|((ka, va), (kb, vb))| {
                ka == kb
                    && (va.get() == vb.get()
                        || serde_json::from_str::<Value>(va.get()).ok()
                            == serde_json::from_str::<Value>(vb.get()).ok())
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
            .entries(self.0.iter().map(|(k, v)| (k, Text(v.get()))))
            .finish()
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
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
                while let Some((k, v)) = m.next_entry::<String, Box<RawValue>>()? {
                    out.insert_raw(k, v);
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
        assert_eq!(e.raw("b").unwrap().get(), "1.50");
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
