//! Custom field values by type: the catalog knows each field's schema, so a caller writes
//! `FieldVal::Select("Major")` against "Severity" and reads a `FieldVal` back, instead of
//! remembering that a select is `{"value": ...}` and a user is `{"accountId": ...}` on Cloud but
//! `{"name": ...}` on Data Center. Names work wherever ids do, in JQL too: [`FieldCatalog::jql`]
//! gives `cf[10016]` for "Story Points", which stays correct even if two fields share a name.

use jirakit_adf::Doc;
use jirakit_jql::{FieldRef, Jql};
use jirakit_model::{Field, Issue};
use serde_json::{json, Value};

use crate::fields::FieldCatalog;
use crate::Error;

const SYS: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";

/// How a field's value is shaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Rich text: ADF on v3, wiki markup on v2.
    Paragraph,
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// ISO 8601 with an offset.
    DateTime,
    Select,
    MultiSelect,
    Labels,
    User,
    MultiUser,
    Url,
    /// A parent option and an optional child option.
    Cascading,
    /// Anything else: read and written as plain JSON.
    Other(String),
}

impl FieldKind {
    /// The kind of a catalog field, from its custom type key or, failing that, its schema.
    pub fn of(field: &Field) -> FieldKind {
        let Some(schema) = &field.schema else {
            return FieldKind::Other("no schema".into());
        };
        if let Some(custom) = &schema.custom {
            if let Some(k) = custom.strip_prefix(SYS) {
                match k {
                    "textfield" => return FieldKind::Text,
                    "textarea" => return FieldKind::Paragraph,
                    "float" => return FieldKind::Number,
                    "datepicker" => return FieldKind::Date,
                    "datetime" => return FieldKind::DateTime,
                    "select" | "radiobuttons" => return FieldKind::Select,
                    "multiselect" | "multicheckboxes" => return FieldKind::MultiSelect,
                    "labels" => return FieldKind::Labels,
                    "userpicker" => return FieldKind::User,
                    "multiuserpicker" => return FieldKind::MultiUser,
                    "url" => return FieldKind::Url,
                    "cascadingselect" => return FieldKind::Cascading,
                    _ => {}
                }
            }
        }
        match (schema.kind.as_str(), schema.items.as_deref()) {
            ("number", _) => FieldKind::Number,
            ("date", _) => FieldKind::Date,
            ("datetime", _) => FieldKind::DateTime,
            ("option", _) => FieldKind::Select,
            ("option-with-child", _) => FieldKind::Cascading,
            ("user", _) => FieldKind::User,
            ("array", Some("option")) => FieldKind::MultiSelect,
            ("array", Some("user")) => FieldKind::MultiUser,
            ("array", Some("string")) => FieldKind::Labels,
            ("string", _) if schema.custom.is_none() && field.id.as_str() == "description" => {
                FieldKind::Paragraph
            }
            ("string", _) => FieldKind::Text,
            (other, _) => FieldKind::Other(other.to_owned()),
        }
    }
}

/// A typed field value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldVal {
    /// Clears the field.
    Empty,
    Text(String),
    Doc(Doc),
    Number(f64),
    Date(String),
    DateTime(String),
    Select(String),
    MultiSelect(Vec<String>),
    Labels(Vec<String>),
    /// An account id (Cloud) or a user name (Data Center).
    User(String),
    Users(Vec<String>),
    Url(String),
    Cascading(String, Option<String>),
    Json(Value),
}

impl FieldVal {
    /// The JSON by the variant alone (no catalog check); the catalog's `encode` checks the field.
    pub fn to_json(&self, cloud: bool) -> Value {
        let user = |id: &str| {
            if cloud {
                json!({ "accountId": id })
            } else {
                json!({ "name": id })
            }
        };
        match self {
            FieldVal::Empty => Value::Null,
            FieldVal::Text(s) | FieldVal::Date(s) | FieldVal::DateTime(s) | FieldVal::Url(s) => json!(s),
            FieldVal::Doc(d) if cloud => d.to_json(),
            FieldVal::Doc(d) => json!(d.to_wiki()),
            FieldVal::Number(n) => json!(n),
            FieldVal::Select(s) => json!({ "value": s }),
            FieldVal::MultiSelect(v) => Value::Array(v.iter().map(|s| json!({ "value": s })).collect()),
            FieldVal::Labels(v) => json!(v),
            FieldVal::User(id) => user(id),
            FieldVal::Users(ids) => Value::Array(ids.iter().map(|i| user(i)).collect()),
            FieldVal::Cascading(p, Some(c)) => json!({ "value": p, "child": { "value": c } }),
            FieldVal::Cascading(p, None) => json!({ "value": p }),
            FieldVal::Json(v) => v.clone(),
        }
    }
}

fn mismatch(field: &Field, kind: &FieldKind, got: &FieldVal) -> Error {
    Error::Field {
        name: field.name.clone(),
        problem: format!(
            "{} is a {kind:?} field; {got:?} does not fit it",
            field.id.as_str()
        ),
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Encodes `value` for `field`; `cloud` picks ADF and `accountId` over wiki and `name`.
pub fn encode(field: &Field, value: &FieldVal, cloud: bool) -> Result<Value, Error> {
    let kind = FieldKind::of(field);
    let user = |id: &str| {
        if cloud {
            json!({ "accountId": id })
        } else {
            json!({ "name": id })
        }
    };
    let opts = |v: &[String]| Value::Array(v.iter().map(|s| json!({ "value": s })).collect());
    Ok(match (&kind, value) {
        (_, FieldVal::Empty) => Value::Null,
        (_, FieldVal::Json(v)) => v.clone(),
        (FieldKind::Text, FieldVal::Text(s)) => json!(s),
        (FieldKind::Url, FieldVal::Url(s) | FieldVal::Text(s)) => {
            if url::Url::parse(s).is_err() {
                return Err(Error::Field {
                    name: field.name.clone(),
                    problem: format!("{s:?} is not a URL"),
                });
            }
            json!(s)
        }
        (FieldKind::Paragraph, FieldVal::Doc(d)) if cloud => d.to_json(),
        (FieldKind::Paragraph, FieldVal::Doc(d)) => json!(d.to_wiki()),
        (FieldKind::Paragraph, FieldVal::Text(s)) if cloud => Doc::paragraph(s.as_str()).to_json(),
        (FieldKind::Paragraph, FieldVal::Text(s)) => json!(s),
        (FieldKind::Number, FieldVal::Number(n)) if n.is_finite() => json!(n),
        (FieldKind::Date, FieldVal::Date(s)) if is_date(s) => json!(s),
        (FieldKind::DateTime, FieldVal::DateTime(s)) if s.len() >= 16 && is_date(&s[..10]) => json!(s),
        (FieldKind::Select, FieldVal::Select(s)) => json!({ "value": s }),
        (FieldKind::MultiSelect, FieldVal::MultiSelect(v)) => opts(v),
        (FieldKind::MultiSelect, FieldVal::Select(s)) => opts(std::slice::from_ref(s)),
        (FieldKind::Labels, FieldVal::Labels(v)) => {
            if let Some(bad) = v.iter().find(|l| l.is_empty() || l.contains(char::is_whitespace)) {
                return Err(Error::Field {
                    name: field.name.clone(),
                    problem: format!("label {bad:?}: labels cannot be empty or contain spaces"),
                });
            }
            json!(v)
        }
        (FieldKind::User, FieldVal::User(id)) => user(id),
        (FieldKind::MultiUser, FieldVal::Users(ids)) => Value::Array(ids.iter().map(|i| user(i)).collect()),
        (FieldKind::MultiUser, FieldVal::User(id)) => json!([user(id)]),
        (FieldKind::Cascading, FieldVal::Cascading(parent, child)) => match child {
            Some(c) => json!({ "value": parent, "child": { "value": c } }),
            None => json!({ "value": parent }),
        },
        (FieldKind::Other(_), FieldVal::Text(s)) => json!(s),
        (FieldKind::Other(_), FieldVal::Number(n)) => json!(n),
        _ => return Err(mismatch(field, &kind, value)),
    })
}

/// Decodes a value Jira returned for `field` (`null` is [`FieldVal::Empty`]).
pub fn decode(field: &Field, raw: &Value) -> Result<FieldVal, Error> {
    if raw.is_null() {
        return Ok(FieldVal::Empty);
    }
    let kind = FieldKind::of(field);
    let bad = || Error::Decode {
        endpoint: "field value".into(),
        json_path: field.id.as_str().to_owned(),
        message: format!("not a {kind:?} value: {raw}"),
    };
    let string = |v: &Value| v.as_str().map(str::to_owned);
    let option = |v: &Value| v.get("value").and_then(Value::as_str).map(str::to_owned);
    let user = |v: &Value| {
        v.get("accountId")
            .or_else(|| v.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let list = |f: &dyn Fn(&Value) -> Option<String>| -> Option<Vec<String>> {
        raw.as_array()?.iter().map(f).collect()
    };
    Ok(match kind {
        FieldKind::Text => FieldVal::Text(string(raw).ok_or_else(bad)?),
        FieldKind::Url => FieldVal::Url(string(raw).ok_or_else(bad)?),
        FieldKind::Paragraph => match raw {
            Value::String(s) => FieldVal::Text(s.clone()),
            v => FieldVal::Doc(serde_json::from_value(v.clone()).map_err(|_| bad())?),
        },
        FieldKind::Number => FieldVal::Number(raw.as_f64().ok_or_else(bad)?),
        FieldKind::Date => FieldVal::Date(string(raw).ok_or_else(bad)?),
        FieldKind::DateTime => FieldVal::DateTime(string(raw).ok_or_else(bad)?),
        FieldKind::Select => FieldVal::Select(option(raw).ok_or_else(bad)?),
        FieldKind::MultiSelect => FieldVal::MultiSelect(list(&option).ok_or_else(bad)?),
        FieldKind::Labels => FieldVal::Labels(list(&string).ok_or_else(bad)?),
        FieldKind::User => FieldVal::User(user(raw).ok_or_else(bad)?),
        FieldKind::MultiUser => FieldVal::Users(list(&user).ok_or_else(bad)?),
        FieldKind::Cascading => {
            FieldVal::Cascading(option(raw).ok_or_else(bad)?, raw.get("child").and_then(option))
        }
        FieldKind::Other(_) => FieldVal::Json(raw.clone()),
    })
}

impl FieldCatalog {
    fn field_named(&self, name: &str) -> Result<&Field, Error> {
        let id = self.resolve(name)?;
        self.get(id.as_str()).ok_or_else(|| Error::Field {
            name: name.to_owned(),
            problem: "resolved to an id the catalog does not list".into(),
        })
    }

    /// The kind of the field named (or with id) `name`.
    pub fn kind(&self, name: &str) -> Result<FieldKind, Error> {
        Ok(FieldKind::of(self.field_named(name)?))
    }

    /// The field id and the JSON for `value`.
    pub fn encode(&self, name: &str, value: &FieldVal, cloud: bool) -> Result<(String, Value), Error> {
        let f = self.field_named(name)?;
        Ok((f.id.as_str().to_owned(), encode(f, value, cloud)?))
    }

    /// The typed value of field `name` in `issue` (`None` when the issue does not carry it).
    pub fn read(&self, issue: &Issue, name: &str) -> Result<Option<FieldVal>, Error> {
        let f = self.field_named(name)?;
        match issue.fields.get(f.id.as_str()) {
            None => Ok(None),
            Some(raw) => decode(f, &raw).map(Some),
        }
    }

    /// The field for a JQL builder: `cf[10016]` for a custom field (unambiguous even when two
    /// fields share the name), the clause name of a system field otherwise.
    pub fn jql(&self, name: &str) -> Result<FieldRef, Error> {
        let f = self.field_named(name)?;
        if let Some(n) =
            f.id.as_str()
                .strip_prefix("customfield_")
                .and_then(|n| n.parse::<u64>().ok())
        {
            return Ok(Jql::custom_field(n));
        }
        Ok(Jql::field(
            f.clause_names
                .first()
                .cloned()
                .unwrap_or_else(|| f.id.as_str().to_owned()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: &str, name: &str, ty: &str, items: Option<&str>, custom: Option<&str>) -> Field {
        serde_json::from_value(json!({
            "id": id, "name": name, "custom": custom.is_some(), "clauseNames": [],
            "schema": {"type": ty, "items": items, "custom": custom.map(|c| format!("{SYS}{c}"))}
        }))
        .unwrap()
    }

    #[test]
    fn each_kind_encodes_the_way_jira_reads_it_and_decodes_back() {
        let cases: Vec<(Field, FieldVal, Value)> = vec![
            (
                field("customfield_1", "T", "string", None, Some("textfield")),
                FieldVal::Text("x".into()),
                json!("x"),
            ),
            (
                field("customfield_2", "N", "number", None, Some("float")),
                FieldVal::Number(3.5),
                json!(3.5),
            ),
            (
                field("customfield_3", "D", "date", None, Some("datepicker")),
                FieldVal::Date("2026-01-05".into()),
                json!("2026-01-05"),
            ),
            (
                field("customfield_4", "DT", "datetime", None, Some("datetime")),
                FieldVal::DateTime("2026-01-05T09:00:00.000+0000".into()),
                json!("2026-01-05T09:00:00.000+0000"),
            ),
            (
                field("customfield_5", "S", "option", None, Some("select")),
                FieldVal::Select("Major".into()),
                json!({"value": "Major"}),
            ),
            (
                field("customfield_6", "M", "array", Some("option"), Some("multiselect")),
                FieldVal::MultiSelect(vec!["EU".into(), "US".into()]),
                json!([{"value": "EU"}, {"value": "US"}]),
            ),
            (
                field("customfield_7", "L", "array", Some("string"), Some("labels")),
                FieldVal::Labels(vec!["a".into()]),
                json!(["a"]),
            ),
            (
                field("customfield_8", "U", "user", None, Some("userpicker")),
                FieldVal::User("acc-1".into()),
                json!({"accountId": "acc-1"}),
            ),
            (
                field("customfield_9", "URL", "string", None, Some("url")),
                FieldVal::Url("https://x.example".into()),
                json!("https://x.example"),
            ),
            (
                field(
                    "customfield_10",
                    "C",
                    "option-with-child",
                    None,
                    Some("cascadingselect"),
                ),
                FieldVal::Cascading("EU".into(), Some("DE".into())),
                json!({"value": "EU", "child": {"value": "DE"}}),
            ),
            (
                field(
                    "customfield_11",
                    "MU",
                    "array",
                    Some("user"),
                    Some("multiuserpicker"),
                ),
                FieldVal::Users(vec!["a".into(), "b".into()]),
                json!([{"accountId": "a"}, {"accountId": "b"}]),
            ),
        ];
        for (f, v, wire) in cases {
            assert_eq!(encode(&f, &v, true).unwrap(), wire, "{}", f.name);
            assert_eq!(decode(&f, &wire).unwrap(), v, "{}", f.name);
        }
    }

    #[test]
    fn data_center_gets_user_names_and_wiki_markup() {
        let u = field("customfield_8", "U", "user", None, Some("userpicker"));
        assert_eq!(
            encode(&u, &FieldVal::User("jdoe".into()), false).unwrap(),
            json!({"name": "jdoe"})
        );
        let p = field("customfield_12", "P", "string", None, Some("textarea"));
        let d = Doc::paragraph("hello");
        assert_eq!(
            encode(&p, &FieldVal::Doc(d.clone()), false).unwrap(),
            json!("hello")
        );
        assert_eq!(encode(&p, &FieldVal::Doc(d.clone()), true).unwrap(), d.to_json());
        assert_eq!(decode(&p, &d.to_json()).unwrap(), FieldVal::Doc(d));
    }

    #[test]
    fn a_value_of_the_wrong_kind_or_shape_is_refused_by_name() {
        let n = field("customfield_2", "Story Points", "number", None, Some("float"));
        let e = encode(&n, &FieldVal::Text("three".into()), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("Story Points") && e.contains("Number"), "{e}");
        assert!(encode(&n, &FieldVal::Number(f64::NAN), true).is_err());
        let d = field("customfield_3", "D", "date", None, Some("datepicker"));
        assert!(encode(&d, &FieldVal::Date("05/01/2026".into()), true).is_err());
        let l = field("customfield_7", "L", "array", Some("string"), Some("labels"));
        assert!(encode(&l, &FieldVal::Labels(vec!["two words".into()]), true).is_err());
        let u = field("customfield_9", "URL", "string", None, Some("url"));
        assert!(encode(&u, &FieldVal::Url("not a url".into()), true).is_err());
        assert!(decode(&n, &json!("three")).is_err());
        assert_eq!(decode(&n, &Value::Null).unwrap(), FieldVal::Empty);
    }
}
