//! [`Extra`]: the fields a model does not type, kept as the JSON text Jira sent.

use std::fmt;
use std::ops::Range;

use std::sync::OnceLock;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};
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

impl Extra {
    /// Reads the next value of `m` into the field `key`, copying its JSON text straight from the
    /// input into this `Extra`'s buffer: no `Box<RawValue>` is made and dropped for each unknown
    /// field (an issue has dozens). Falls back to a `Box<RawValue>` when serde_json's raw-value
    /// protocol is not the one this was checked against (see [`raw_token`]).
    #[doc(hidden)]
    pub fn read_value<'de, A: MapAccess<'de>>(&mut self, key: &str, m: &mut A) -> Result<(), A::Error> {
        self.read_with(key, m, raw_token())
    }

    /// [`read_value`](Extra::read_value) through `token`, or through a `Box<RawValue>` without one.
    fn read_with<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        m: &mut A,
        token: Option<&'static str>,
    ) -> Result<(), A::Error> {
        match token {
            Some(token) => m.next_value_seed(RawInto {
                extra: self,
                key,
                token,
            }),
            None => {
                let v: Box<RawValue> = m.next_value()?;
                self.insert_raw(key, &v);
                Ok(())
            }
        }
    }
}

/// The name under which serde_json's deserializers hand out a value's raw text (what
/// `Box<RawValue>` asks for), learnt from serde_json itself rather than written here, and used
/// only once a round trip through it gave the exact text back. `None` otherwise.
fn raw_token() -> Option<&'static str> {
    static TOKEN: OnceLock<Option<&'static str>> = OnceLock::new();
    *TOKEN.get_or_init(|| {
        let token = learn_raw_token()?;
        let text = r#"{"a": [1, "x\"y"], "b": {}}"#;
        let mut out = Extra::new();
        let de = &mut serde_json::Deserializer::from_str(text);
        let read = de.deserialize_map(ExtraVisitor(Some(token))).map(|e| out = e);
        let borrowed_ok =
            read.is_ok() && out.raw("a") == Some(r#"[1, "x\"y"]"#) && out.raw("b") == Some("{}");
        let owned = serde_json::json!({"a": [1]}).deserialize_map(ExtraVisitor(Some(token)));
        let owned_ok = owned.is_ok_and(|e| e.raw("a") == Some("[1]"));
        (borrowed_ok && owned_ok).then_some(token)
    })
}

/// Asks `Box<RawValue>`'s `Deserialize` which newtype name it requests.
fn learn_raw_token() -> Option<&'static str> {
    use serde::de::value::Error as E;
    use std::cell::Cell;
    struct Ask<'a>(&'a Cell<Option<&'static str>>);
    impl<'de> Deserializer<'de> for Ask<'_> {
        type Error = E;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
            Err(serde::de::Error::custom("not asked"))
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            _: V,
        ) -> Result<V::Value, E> {
            self.0.set(Some(name));
            Err(serde::de::Error::custom("asked"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
        }
    }
    let asked = Cell::new(None);
    let _ = Box::<RawValue>::deserialize(Ask(&asked));
    asked.get()
}

/// Reads an object into an `Extra`, through `token` (see [`Extra::read_with`]).
struct ExtraVisitor(Option<&'static str>);

impl<'de> Visitor<'de> for ExtraVisitor {
    type Value = Extra;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Extra, A::Error> {
        let mut out = Extra::new();
        while let Some(crate::open_struct::Key(k)) = m.next_key()? {
            out.read_with(&k, &mut m, self.0)?;
        }
        Ok(out)
    }
}

/// One value's JSON text, put into `extra` under `key`.
struct RawInto<'a> {
    extra: &'a mut Extra,
    key: &'a str,
    token: &'static str,
}

impl<'de> DeserializeSeed<'de> for RawInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let token = self.token;
        d.deserialize_newtype_struct(token, self)
    }
}

impl<'de> Visitor<'de> for RawInto<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value (read by serde_json)")
    }
    /// serde_json answers with a one-entry map: the token as key, the value's text as value.
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        match m.next_key::<crate::open_struct::Key>()? {
            Some(crate::open_struct::Key(k)) if k == self.token => {}
            _ => return Err(A::Error::custom("Extra can only be read by serde_json")),
        }
        m.next_value_seed(TextInto {
            extra: self.extra,
            key: self.key,
        })
    }
}

struct TextInto<'a> {
    extra: &'a mut Extra,
    key: &'a str,
}

impl<'de> DeserializeSeed<'de> for TextInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextInto<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a raw JSON value")
    }
    /// Borrowed text arrives here too (the default `visit_borrowed_str`), and so does owned.
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        self.extra.put(self.key, text);
        Ok(())
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
        d.deserialize_map(ExtraVisitor(raw_token()))
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
    fn text_is_copied_from_the_input_without_a_box_per_value() {
        // serde_json still hands out raw text the way this was written against: otherwise every
        // value goes through a `Box<RawValue>` again (correct, slower).
        assert!(raw_token().is_some());
        let text = r#"{"s": "a\"b\u00e9", "n": -1.5e3, "o": {"k": [null, true]}}"#;
        let from_str: Extra = serde_json::from_str(text).unwrap();
        let from_slice: Extra = serde_json::from_slice(text.as_bytes()).unwrap();
        let from_reader: Extra = serde_json::from_reader(text.as_bytes()).unwrap();
        for e in [&from_str, &from_slice, &from_reader] {
            assert_eq!(e.raw("s"), Some(r#""a\"b\u00e9""#));
            assert_eq!(e.raw("n"), Some("-1.5e3"));
            assert_eq!(e.raw("o"), Some(r#"{"k": [null, true]}"#));
        }
        // Through serde_path_to_error (as the client decodes), a bad value is still named by path.
        let de = &mut serde_json::Deserializer::from_str(r#"{"a": {"b": [1, }}"#);
        let err = serde_path_to_error::deserialize::<_, Extra>(de).unwrap_err();
        assert_eq!(err.path().to_string(), "a");
    }

    #[test]
    fn without_the_token_values_go_through_a_box_to_the_same_text() {
        let text = r#"{"s": "a\"b", "o": {"k": [null, 1.50]}}"#;
        let boxed = serde_json::Deserializer::from_str(text)
            .deserialize_map(ExtraVisitor(None))
            .unwrap();
        let direct: Extra = serde_json::from_str(text).unwrap();
        assert_eq!(
            boxed.iter().collect::<Vec<_>>(),
            direct.iter().collect::<Vec<_>>()
        );
        assert_eq!(boxed.raw("o"), Some(r#"{"k": [null, 1.50]}"#));
    }

    #[test]
    fn other_formats_get_an_error_not_a_wrong_value() {
        use serde::de::value::{Error, MapDeserializer};
        let entries = vec![("k", "v")].into_iter();
        let r: Result<Extra, Error> = Extra::deserialize(MapDeserializer::new(entries));
        assert!(r.is_err());
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
