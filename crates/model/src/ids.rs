//! Newtype ids and keys. Jira sends ids as strings in most places and as numbers in a few
//! (agile, some webhooks); both deserialize.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<u64> for $name {
            fn from(n: u64) -> Self {
                $name(n.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                NumberOrString::deserialize(d).map(|v| $name(v.0))
            }
        }
    };
}

string_id!(
    /// A numeric issue id such as `10001` (as a string, its wire form).
    IssueId
);
string_id!(
    /// An issue key such as `PROJ-12`.
    IssueKey
);
string_id!(
    /// A project id.
    ProjectId
);
string_id!(
    /// A comment id.
    CommentId
);
string_id!(
    /// A status id.
    StatusId
);
string_id!(
    /// A transition id (valid only for the issue it was read from).
    TransitionId
);
string_id!(
    /// A field id: `summary`, `customfield_10016`.
    FieldId
);
string_id!(
    /// A Cloud account id (or a Data Center user key).
    AccountId
);

struct NumberOrString(String);

impl<'de> Deserialize<'de> for NumberOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NumberOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer id")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NumberOrString, E> {
                Ok(NumberOrString(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<NumberOrString, E> {
                Ok(NumberOrString(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<NumberOrString, E> {
                Ok(NumberOrString(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumberOrString, E> {
                Ok(NumberOrString(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_numbers_and_strings() {
        let a: IssueId = serde_json::from_str("10001").unwrap();
        let b: IssueId = serde_json::from_str("\"10001\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"10001\"");
    }

    #[test]
    fn ids_refuse_objects() {
        assert!(serde_json::from_str::<IssueKey>("{}").is_err());
    }
}
