//! `Deserialize` for the models that keep unknown fields in `extra`.
//!
//! serde's `#[serde(flatten)]` reads such a struct by first buffering the whole object (and,
//! nested, every object inside it) into an intermediate tree, then reading the fields out of
//! that tree: paying for every value twice. These impls read the object's keys once, each known
//! key straight into its typed field and every other key into `extra`, with the same rules as
//! the derive: a missing required field, a duplicate known field or a value of the wrong type is
//! an error; a missing optional field takes its default. Serialising still uses the derive.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Visitor};

/// An object key, borrowed from the input when it has no escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `open_struct!(Type { field = "jsonName" required, other = "other" })`: a field marked
/// `required` must be present; the others default when absent. The struct's last field is
/// `extra: Extra`.
#[macro_export]
#[doc(hidden)]
macro_rules! open_struct {
    ($ty:ident { $($field:ident = $json:literal $($req:ident)?),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($ty)))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<$ty, A::Error> {
                        $( let mut $field = None; )*
                        let mut extra = $crate::Extra::new();
                        while let Some($crate::open_struct::Key(key)) = m.next_key()? {
                            match &*key {
                                $( $json => {
                                    if $field.is_some() {
                                        return Err(serde::de::Error::duplicate_field($json));
                                    }
                                    $field = Some(m.next_value()?);
                                } )*
                                _ => {
                                    extra.read_value(&key, &mut m)?;
                                }
                            }
                        }
                        Ok($ty { $( $field: $crate::open_struct!(@get $field, $json $($req)?), )* extra })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
    (@get $field:ident, $json:literal required) => {
        $field.ok_or_else(|| serde::de::Error::missing_field($json))?
    };
    (@get $field:ident, $json:literal) => {
        $field.unwrap_or_default()
    };
}
