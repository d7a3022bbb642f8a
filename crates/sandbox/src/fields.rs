//! Jira's fields: the system catalog, custom fields, and how each field's value is read from a
//! request, stored, rendered for v2 or v3, and written into the changelog.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::api::ApiVersion;
use crate::meta::{CustomField, CustomKind, Meta, Project};
use crate::render::{Ctx, Kind, Out, Piece};

/// A system field: id, name, schema type and item type, clause names, whether it is navigable
/// (in `*navigable`) and orderable.
pub struct SysField {
    pub id: &'static str,
    pub name: &'static str,
    pub ty: &'static str,
    pub items: Option<&'static str>,
    pub clauses: &'static [&'static str],
    pub navigable: bool,
    pub orderable: bool,
}

const fn f(
    id: &'static str,
    name: &'static str,
    ty: &'static str,
    items: Option<&'static str>,
    clauses: &'static [&'static str],
    navigable: bool,
    orderable: bool,
) -> SysField {
    SysField {
        id,
        name,
        ty,
        items,
        clauses,
        navigable,
        orderable,
    }
}

pub const SYSTEM: &[SysField] = &[
    f("summary", "Summary", "string", None, &["summary"], true, true),
    f(
        "description",
        "Description",
        "string",
        None,
        &["description"],
        true,
        true,
    ),
    f(
        "environment",
        "Environment",
        "string",
        None,
        &["environment"],
        true,
        true,
    ),
    f(
        "issuetype",
        "Issue Type",
        "issuetype",
        None,
        &["issuetype", "type"],
        true,
        true,
    ),
    f("project", "Project", "project", None, &["project"], true, false),
    f("status", "Status", "status", None, &["status"], true, false),
    f(
        "statusCategory",
        "Status Category",
        "statusCategory",
        None,
        &["statusCategory"],
        true,
        false,
    ),
    f(
        "priority",
        "Priority",
        "priority",
        None,
        &["priority"],
        true,
        true,
    ),
    f("assignee", "Assignee", "user", None, &["assignee"], true, true),
    f("reporter", "Reporter", "user", None, &["reporter"], true, true),
    f("creator", "Creator", "user", None, &["creator"], true, false),
    f(
        "labels",
        "Labels",
        "array",
        Some("string"),
        &["labels"],
        true,
        true,
    ),
    f(
        "components",
        "Components",
        "array",
        Some("component"),
        &["component"],
        true,
        true,
    ),
    f(
        "fixVersions",
        "Fix versions",
        "array",
        Some("version"),
        &["fixVersion"],
        true,
        true,
    ),
    f(
        "versions",
        "Affects versions",
        "array",
        Some("version"),
        &["affectedVersion"],
        true,
        true,
    ),
    f(
        "resolution",
        "Resolution",
        "resolution",
        None,
        &["resolution"],
        true,
        true,
    ),
    f(
        "resolutiondate",
        "Resolved",
        "datetime",
        None,
        &["resolutiondate", "resolved"],
        true,
        false,
    ),
    f(
        "created",
        "Created",
        "datetime",
        None,
        &["created", "createdDate"],
        true,
        false,
    ),
    f(
        "updated",
        "Updated",
        "datetime",
        None,
        &["updated", "updatedDate"],
        true,
        false,
    ),
    f(
        "duedate",
        "Due date",
        "date",
        None,
        &["due", "duedate"],
        true,
        true,
    ),
    f(
        "statuscategorychangedate",
        "Status Category Changed",
        "datetime",
        None,
        &["statusCategoryChangedDate"],
        true,
        false,
    ),
    f(
        "lastViewed",
        "Last Viewed",
        "datetime",
        None,
        &["lastViewed"],
        true,
        false,
    ),
    f("parent", "Parent", "issuelink", None, &["parent"], true, true),
    f(
        "subtasks",
        "Sub-tasks",
        "array",
        Some("issuelinks"),
        &["subtasks"],
        true,
        false,
    ),
    f(
        "issuelinks",
        "Linked Issues",
        "array",
        Some("issuelinks"),
        &["issueLink"],
        true,
        true,
    ),
    f(
        "comment",
        "Comment",
        "comments-page",
        None,
        &["comment"],
        false,
        true,
    ),
    f(
        "attachment",
        "Attachment",
        "array",
        Some("attachment"),
        &["attachments"],
        true,
        true,
    ),
    f(
        "worklog",
        "Log Work",
        "array",
        Some("worklog"),
        &["worklogAuthor", "worklogComment", "worklogDate"],
        false,
        true,
    ),
    f(
        "timetracking",
        "Time tracking",
        "timetracking",
        None,
        &[],
        false,
        true,
    ),
    f(
        "timeoriginalestimate",
        "Original estimate",
        "number",
        None,
        &["originalEstimate", "timeoriginalestimate"],
        true,
        false,
    ),
    f(
        "timeestimate",
        "Remaining Estimate",
        "number",
        None,
        &["remainingEstimate", "timeestimate"],
        true,
        false,
    ),
    f(
        "timespent",
        "Time Spent",
        "number",
        None,
        &["timespent"],
        true,
        false,
    ),
    f(
        "aggregatetimeoriginalestimate",
        "Σ Original Estimate",
        "number",
        None,
        &[],
        true,
        false,
    ),
    f(
        "aggregatetimeestimate",
        "Σ Remaining Estimate",
        "number",
        None,
        &[],
        true,
        false,
    ),
    f(
        "aggregatetimespent",
        "Σ Time Spent",
        "number",
        None,
        &[],
        true,
        false,
    ),
    f(
        "progress",
        "Progress",
        "progress",
        None,
        &["progress"],
        true,
        false,
    ),
    f(
        "aggregateprogress",
        "Σ Progress",
        "progress",
        None,
        &[],
        true,
        false,
    ),
    f(
        "workratio",
        "Work Ratio",
        "number",
        None,
        &["workratio"],
        true,
        false,
    ),
    f("watches", "Watchers", "watches", None, &["watcher"], true, false),
    f("votes", "Votes", "votes", None, &["votes"], true, false),
    f(
        "security",
        "Security Level",
        "securitylevel",
        None,
        &["level"],
        true,
        true,
    ),
    f(
        "issuekey",
        "Key",
        "issuekey",
        None,
        &["id", "issue", "issuekey", "key"],
        true,
        false,
    ),
    f("thumbnail", "Images", "thumbnail", None, &[], true, false),
];

pub fn system(id: &str) -> Option<&'static SysField> {
    SYSTEM.iter().find(|f| f.id == id)
}

/// System fields a create screen shows, in screen order.
pub const CREATE_SCREEN: &[&str] = &[
    "summary",
    "issuetype",
    "project",
    "parent",
    "description",
    "environment",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "components",
    "fixVersions",
    "versions",
    "duedate",
];

/// Fields a transition screen may set.
pub const TRANSITION_SCREEN: &[&str] = &[
    "resolution",
    "assignee",
    "labels",
    "priority",
    "fixVersions",
    "components",
];

pub fn sys_schema(f: &SysField) -> Value {
    let mut s = json!({ "type": f.ty, "system": f.id });
    if let Some(items) = f.items {
        s["items"] = json!(items);
    }
    s
}

pub fn custom_schema(c: &CustomField) -> Value {
    let (ty, items) = c.kind.schema_type();
    let mut s = json!({ "type": ty, "custom": c.type_key, "customId": c.num });
    if let Some(items) = items {
        s["items"] = json!(items);
    }
    s
}

/// `GET /field` entries.
pub fn catalog(meta: &Meta) -> Vec<Value> {
    let mut out: Vec<Value> = SYSTEM
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "key": f.id, "name": f.name, "custom": false,
                "orderable": f.orderable, "navigable": f.navigable, "searchable": !f.clauses.is_empty(),
                "clauseNames": f.clauses, "schema": sys_schema(f),
            })
        })
        .collect();
    out.extend(meta.fields.iter().map(custom_field_json));
    out
}

pub fn custom_field_json(c: &CustomField) -> Value {
    json!({
        "id": c.id, "key": c.id, "name": c.name, "custom": true,
        "orderable": true, "navigable": true, "searchable": c.kind.searcher_key().is_some(),
        "clauseNames": [format!("cf[{}]", c.num), c.name.clone()],
        "schema": custom_schema(c),
    })
}

/// The name of any field id, for `names` and the changelog.
pub fn name_of(meta: &Meta, id: &str) -> Option<String> {
    system(id)
        .map(|f| f.name.to_string())
        .or_else(|| meta.custom_field(id).map(|c| c.name.clone()))
}

pub fn schema_of(meta: &Meta, id: &str) -> Option<Value> {
    system(id)
        .map(sys_schema)
        .or_else(|| meta.custom_field(id).map(custom_schema))
}

/// Every navigable field id (system and custom), for `*navigable`.
pub fn navigable(meta: &Meta) -> Vec<String> {
    SYSTEM
        .iter()
        .filter(|f| f.navigable)
        .map(|f| f.id.to_string())
        .chain(meta.fields.iter().map(|c| c.id.clone()))
        .collect()
}

/// Every field id, for `*all`.
pub fn all(meta: &Meta) -> Vec<String> {
    SYSTEM
        .iter()
        .map(|f| f.id.to_string())
        .chain(meta.fields.iter().map(|c| c.id.clone()))
        .collect()
}

/// A field id from what a request names: an id, `customfield_N`, or (for custom fields) a name.
pub fn resolve_id(meta: &Meta, name: &str) -> Option<String> {
    if system(name).is_some() || meta.custom_field(name).is_some() {
        return Some(name.to_string());
    }
    meta.custom_field_by_name(name).map(|c| c.id.clone())
}

/// Which fields a `fields` parameter asks for: ids, `*all`, `*navigable`, `-id` to drop one.
pub fn select(meta: &Meta, requested: &[String], default_all: bool) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut any_positive = false;
    for r in requested {
        match r.as_str() {
            "*all" => {
                any_positive = true;
                chosen.extend(all(meta));
            }
            "*navigable" => {
                any_positive = true;
                chosen.extend(navigable(meta));
            }
            r if r.starts_with('-') => removed.push(r[1..].to_string()),
            r => {
                any_positive = true;
                if let Some(id) = resolve_id(meta, r) {
                    chosen.push(id);
                }
            }
        }
    }
    if !any_positive {
        chosen = if default_all { all(meta) } else { navigable(meta) };
    }
    let mut seen = std::collections::BTreeSet::new();
    chosen.retain(|c| !removed.contains(c) && seen.insert(c.clone()));
    chosen
}

/// What went wrong with one field's value.
pub type FieldError = String;

/// `{"name": ...}` / `{"id": ...}` / `{"key": ...}` of a reference object.
fn ref_name_or_id(v: &Value, field: &str) -> Result<(Option<String>, Option<String>), FieldError> {
    match v {
        Value::Object(o) => {
            let id = o.get("id").and_then(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
            let name = o
                .get("name")
                .or_else(|| o.get("value"))
                .and_then(Value::as_str)
                .map(str::to_string);
            if id.is_none() && name.is_none() {
                return Err(format!("Could not find valid 'id' or 'name' in {field} object."));
            }
            Ok((id, name))
        }
        _ => Err(format!("Could not find valid 'id' or 'name' in {field} object.")),
    }
}

///
/// Data Center keeps wiki markup as written (there is no ADF there), so in that mode a string is
/// stored verbatim and read back byte for byte; Cloud converts it to a document.
pub fn rich_text_in(v: ApiVersion, mode: crate::Mode, value: &Value) -> Result<Value, FieldError> {
    match (v, value) {
        (_, Value::Null) => Ok(Value::Null),
        (ApiVersion::V2, Value::String(s)) if s.is_empty() => Ok(Value::Null),
        (ApiVersion::V2, Value::String(s)) if mode == crate::Mode::DataCenter => Ok(json!(s)),
        (ApiVersion::V2, Value::String(s)) => Ok(jirakit_adf::Doc::from_wiki(s).to_json()),
        (ApiVersion::V2, _) => Err("Operation value must be a string".into()),
        (ApiVersion::V3, Value::Object(_)) => jirakit_adf::Doc::from_json(value.clone())
            .map(|d| d.to_json())
            .map_err(|e| {
                format!(
                    "Operation value must be an Atlassian Document (see the Atlassian Document Format): {e}"
                )
            }),
        (ApiVersion::V3, _) => {
            Err("Operation value must be an Atlassian Document (see the Atlassian Document Format)".into())
        }
    }
}

fn user_in(meta: &Meta, value: &Value, mode: crate::Mode) -> Result<Value, FieldError> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::Object(o) => {
            if let Some(id) = o.get("accountId").and_then(Value::as_str) {
                if id == "-1" {
                    return Ok(Value::Null);
                }
                return meta
                    .user(id)
                    .filter(|u| u.active)
                    .map(|u| json!(u.account_id))
                    .ok_or_else(|| format!("User '{id}' does not exist."));
            }
            if mode == crate::Mode::DataCenter {
                if let Some(name) = o.get("name").and_then(Value::as_str) {
                    return meta
                        .users
                        .values()
                        .find(|u| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                        .map(|u| json!(u.account_id))
                        .ok_or_else(|| format!("User '{name}' does not exist."));
                }
            }
            if o.contains_key("name") {
                return Err("'name' is not supported in Jira Cloud: identify users by 'accountId'.".into());
            }
            Err("Specify the user by 'accountId'.".into())
        }
        _ => Err("Specify the user as an object with an 'accountId'.".into()),
    }
}

fn option_in(meta: &Meta, field: &CustomField, v: &Value) -> Result<i64, FieldError> {
    let (id, name) = ref_name_or_id(v, &field.name)
        .map_err(|_| format!("Specify a valid 'id' or 'name' for {}", field.name))?;
    let candidates = meta
        .options
        .iter()
        .filter(|o| o.field_id == field.id && !o.disabled);
    let found = match (&id, &name) {
        (Some(id), _) => candidates.clone().find(|o| o.id.to_string() == *id),
        (None, Some(n)) => candidates.clone().find(|o| o.value == *n),
        _ => None,
    };
    found.map(|o| o.id).ok_or_else(|| match (id, name) {
        (Some(id), _) => format!("Option id '{id}' is not valid"),
        (_, Some(n)) => format!("Option value '{n}' is not valid"),
        _ => "Option is not valid".into(),
    })
}

fn labels_in(value: &Value) -> Result<Value, FieldError> {
    let Value::Array(items) = value else {
        return if value.is_null() {
            Ok(json!([]))
        } else {
            Err("Labels must be given as a list of strings.".into())
        };
    };
    let mut out: Vec<String> = Vec::new();
    for i in items {
        let s = i.as_str().ok_or("Labels must be given as a list of strings.")?;
        validate_label(s)?;
        if !out.iter().any(|l| l == s) {
            out.push(s.to_string());
        }
    }
    Ok(json!(out))
}

pub fn validate_label(s: &str) -> Result<(), FieldError> {
    if s.is_empty() {
        return Err("The label must not be empty.".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err(format!("The label '{s}' contains spaces which is invalid."));
    }
    if s.chars().count() > 255 {
        return Err("The label must not be longer than 255 characters.".into());
    }
    Ok(())
}

/// Reads one field's value from a request into its stored form. `project` scopes components and
/// versions.
pub fn value_in(
    meta: &Meta,
    v: ApiVersion,
    mode: crate::Mode,
    project: &Project,
    id: &str,
    value: &Value,
) -> Result<Value, FieldError> {
    match id {
        "summary" => match value {
            Value::String(s) if s.trim().is_empty() => Err("You must specify a summary of the issue.".into()),
            Value::String(s) if s.contains('\n') || s.contains('\r') => {
                Err("The summary is invalid because it contains newline characters.".into())
            }
            Value::String(s) if s.chars().count() > 255 => {
                Err("Summary must be less than 255 characters.".into())
            }
            Value::String(s) => Ok(json!(s)),
            Value::Null => Err("You must specify a summary of the issue.".into()),
            _ => Err("Operation value must be a string".into()),
        },
        "description" | "environment" => rich_text_in(v, mode, value),
        "priority" => {
            if value.is_null() {
                return Ok(Value::Null);
            }
            let (pid, name) = ref_name_or_id(value, "priority")?;
            let found = match (&pid, &name) {
                (Some(pid), _) => meta.priorities.iter().find(|p| p.id.to_string() == *pid),
                (None, Some(n)) => meta.priorities.iter().find(|p| p.name.eq_ignore_ascii_case(n)),
                _ => None,
            };
            found.map(|p| json!(p.id)).ok_or_else(|| match (pid, name) {
                (Some(i), _) => format!("The priority selected is invalid: no priority with id '{i}'."),
                (_, Some(n)) => format!("Priority name '{n}' is not valid"),
                _ => "Specify a valid priority.".into(),
            })
        }
        "assignee" | "reporter" => user_in(meta, value, mode),
        "labels" => labels_in(value),
        "components" | "fixVersions" | "versions" => {
            let Value::Array(items) = value else {
                return if value.is_null() {
                    Ok(json!([]))
                } else {
                    Err(format!(
                        "'{id}' must be a list of objects with an 'id' or a 'name'."
                    ))
                };
            };
            let mut ids: Vec<i64> = Vec::new();
            for item in items {
                let (rid, name) = ref_name_or_id(item, id)?;
                let found = if id == "components" {
                    meta.components
                        .iter()
                        .filter(|c| c.project_id == project.id)
                        .find(|c| {
                            rid.as_deref() == Some(&c.id.to_string()) || name.as_deref() == Some(&c.name)
                        })
                        .map(|c| c.id)
                } else {
                    meta.versions
                        .iter()
                        .filter(|x| x.project_id == project.id)
                        .find(|x| {
                            rid.as_deref() == Some(&x.id.to_string()) || name.as_deref() == Some(&x.name)
                        })
                        .map(|x| x.id)
                };
                let what = if id == "components" {
                    "Component"
                } else {
                    "Version"
                };
                let Some(found) = found else {
                    return Err(match (rid, name) {
                        (Some(i), _) => format!("{what} id '{i}' is not valid"),
                        (_, Some(n)) => format!("{what} name '{n}' is not valid"),
                        _ => format!("{what} is not valid"),
                    });
                };
                if !ids.contains(&found) {
                    ids.push(found);
                }
            }
            Ok(json!(ids))
        }
        "duedate" => match value {
            Value::Null => Ok(Value::Null),
            Value::String(s) if s.is_empty() => Ok(Value::Null),
            Value::String(s) => crate::clock::parse_date(s)
                .map(|d| json!(d))
                .ok_or_else(|| format!("Error parsing date string: {s}")),
            _ => Err("Operation value must be a date string, e.g. 2026-01-31.".into()),
        },
        "resolution" => {
            if value.is_null() {
                return Ok(Value::Null);
            }
            let (rid, name) = ref_name_or_id(value, "resolution")?;
            meta.resolutions
                .iter()
                .find(|r| {
                    rid.as_deref() == Some(&r.id.to_string())
                        || name.as_deref().is_some_and(|n| r.name.eq_ignore_ascii_case(n))
                })
                .map(|r| json!(r.id))
                .ok_or_else(|| "Could not find a resolution with that id or name.".into())
        }
        other => match meta.custom_field(other) {
            Some(c) => custom_in(meta, v, mode, c, value),
            None => Err(format!(
                "Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."
            )),
        },
    }
}

fn custom_in(
    meta: &Meta,
    v: ApiVersion,
    mode: crate::Mode,
    c: &CustomField,
    value: &Value,
) -> Result<Value, FieldError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match c.kind {
        CustomKind::Text | CustomKind::Url => match value {
            Value::String(s) if s.is_empty() => Ok(Value::Null),
            Value::String(s) if s.chars().count() > 255 && c.kind == CustomKind::Text => {
                Err("The entered text is too long. It exceeds the allowed limit of 255 characters.".into())
            }
            Value::String(s) => Ok(json!(s)),
            _ => Err("Operation value must be a string".into()),
        },
        CustomKind::Paragraph => rich_text_in(v, mode, value),
        CustomKind::Number => match value {
            Value::Number(n) => Ok(json!(n.as_f64())),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(|n| json!(n))
                .map_err(|_| format!("'{s}' is an invalid number")),
            _ => Err("Operation value must be a number".into()),
        },
        CustomKind::Date => match value {
            Value::String(s) => crate::clock::parse_date(s)
                .map(|d| json!(d))
                .ok_or_else(|| format!("Error parsing date string: {s}")),
            _ => Err("Operation value must be a date string, e.g. 2026-01-31.".into()),
        },
        CustomKind::DateTime => match value {
            Value::String(s) => crate::clock::parse_datetime(s)
                .map(|ms| json!(ms))
                .ok_or_else(|| format!("Error parsing date-time string: {s}")),
            _ => Err("Operation value must be a date-time string, e.g. 2026-01-31T09:00:00.000+0000.".into()),
        },
        CustomKind::Select => option_in(meta, c, value).map(|id| json!(id)),
        CustomKind::MultiSelect => {
            let Value::Array(items) = value else {
                return Err("Operation value must be a list of options.".into());
            };
            let mut ids: Vec<i64> = Vec::new();
            for i in items {
                let id = option_in(meta, c, i)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(json!(ids))
        }
        CustomKind::Labels => labels_in(value),
        CustomKind::User => user_in(meta, value, mode),
        CustomKind::MultiUser => {
            let Value::Array(items) = value else {
                return Err("Operation value must be a list of users.".into());
            };
            let users: Result<Vec<Value>, _> = items.iter().map(|i| user_in(meta, i, mode)).collect();
            Ok(Value::Array(
                users?.into_iter().filter(|u| !u.is_null()).collect(),
            ))
        }
        CustomKind::Rank => Err(format!(
            "Field '{}' cannot be set. It is not on the appropriate screen, or unknown.",
            c.id
        )),
        CustomKind::Sprint => match value {
            Value::Number(n) if n.is_i64() => Ok(json!([n])),
            _ => Err("Sprint must be given as a sprint id (a number).".into()),
        },
    }
}

/// Renders one stored field value for the API version asked, borrowing the stored value where it
/// shows as it is.
pub fn value_piece<'v>(ctx: &Ctx, id: &str, stored: &'v Value) -> Piece<'v> {
    let meta = ctx.meta;
    match id {
        "description" | "environment" => ctx.rich_text_piece(stored),
        "priority" => match stored.as_i64() {
            Some(p) => ctx.shared(Kind::Priority, p, |cx| {
                meta.priority(p).map(|p| cx.priority(p)).unwrap_or(Value::Null)
            }),
            None => Out::null(),
        }
        .into(),
        "assignee" | "reporter" | "creator" => stored.as_str().map(|a| ctx.user_out(a)).unwrap_or(Out::null()).into(),
        "resolution" => match stored.as_i64() {
            Some(r) => ctx.shared(Kind::Resolution, r, |cx| {
                meta.resolution(r).map(|r| cx.resolution(r)).unwrap_or(Value::Null)
            }),
            None => Out::null(),
        }
        .into(),
        "resolutiondate" | "statuscategorychangedate" | "lastViewed" => ts_piece(stored),
        "components" => Out::Array(
            ids(stored)
                .filter_map(|c| meta.component(c))
                .map(|c| {
                    ctx.shared(Kind::Component, c.id, |cx| {
                        json!({"self": format!("{}/component/{}", cx.api(), c.id), "id": c.id.to_string(), "name": c.name, "description": c.description})
                    })
                })
                .collect(),
        )
        .into(),
        "fixVersions" | "versions" => Out::Array(
            ids(stored)
                .filter_map(|v| meta.version(v))
                .map(|v| ctx.shared(Kind::Version, v.id, |cx| cx.version(v)))
                .collect(),
        )
        .into(),
        "labels" if stored.is_null() => json!([]).into(),
        "labels" => Piece::Stored(stored),
        other => match meta.custom_field(other) {
            Some(c) => custom_piece(ctx, c, stored),
            None => Piece::Stored(stored),
        },
    }
}

/// A stored timestamp in milliseconds; anything else shows as null.
fn ts_piece(stored: &Value) -> Piece<'_> {
    stored.as_i64().map_or(Piece::Out(Out::null()), Piece::Ts)
}

fn ids(v: &Value) -> impl Iterator<Item = i64> + '_ {
    v.as_array().into_iter().flatten().filter_map(Value::as_i64)
}

fn option_json(ctx: &Ctx, id: i64) -> Out {
    ctx.shared(Kind::Option, id, |cx| match cx.meta.option(id) {
        Some(o) => {
            json!({"self": format!("{}/customFieldOption/{}", cx.api(), o.id), "value": o.value, "id": o.id.to_string(), "disabled": o.disabled})
        }
        None => Value::Null,
    })
}

fn custom_piece<'v>(ctx: &Ctx, c: &CustomField, stored: &'v Value) -> Piece<'v> {
    if stored.is_null() {
        return Piece::Stored(stored);
    }
    match c.kind {
        CustomKind::Paragraph => ctx.rich_text_piece(stored),
        CustomKind::DateTime => ts_piece(stored),
        CustomKind::Select => stored
            .as_i64()
            .map(|id| option_json(ctx, id))
            .unwrap_or(Out::null())
            .into(),
        CustomKind::MultiSelect => Out::Array(ids(stored).map(|id| option_json(ctx, id)).collect()).into(),
        CustomKind::User => stored
            .as_str()
            .map(|a| ctx.user_out(a))
            .unwrap_or(Out::null())
            .into(),
        CustomKind::MultiUser => Out::Array(
            stored
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|a| ctx.user_out(a))
                .collect(),
        )
        .into(),
        CustomKind::Sprint => Value::Array(
            ids(stored)
                .filter_map(|id| ctx.meta.sprint(id))
                .map(|s| {
                    let mut o = crate::agile::sprint_json(ctx.base, s);
                    o["boardId"] = json!(s.board_id);
                    o
                })
                .collect(),
        )
        .into(),
        _ => Piece::Stored(stored),
    }
}

/// `(value, display string)` of a stored value, as the changelog records it.
pub fn change_repr(meta: &Meta, id: &str, stored: &Value) -> (Option<String>, Option<String>) {
    if stored.is_null() {
        return (None, None);
    }
    let rich = |s: &Value| match s {
        Value::String(wiki) => Some(wiki.clone()),
        doc => jirakit_adf::Doc::from_json(doc.clone()).ok().map(|d| d.to_wiki()),
    };
    match id {
        "summary" => (None, stored.as_str().map(str::to_string)),
        "description" | "environment" => (None, rich(stored)),
        "priority" => (
            stored.as_i64().map(|i| i.to_string()),
            stored
                .as_i64()
                .and_then(|p| meta.priority(p))
                .map(|p| p.name.clone()),
        ),
        "resolution" => (
            stored.as_i64().map(|i| i.to_string()),
            stored
                .as_i64()
                .and_then(|r| meta.resolution(r))
                .map(|r| r.name.clone()),
        ),
        "assignee" | "reporter" => (
            stored.as_str().map(str::to_string),
            stored.as_str().map(|a| {
                meta.user(a)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_else(|| "Former user".into())
            }),
        ),
        "labels" => (None, Some(joined_strings(stored))),
        "duedate" => (
            stored.as_str().map(str::to_string),
            stored.as_str().map(|d| format!("{d} 00:00:00.0")),
        ),
        other => match meta.custom_field(other) {
            Some(c) => match c.kind {
                CustomKind::Paragraph => (None, rich(stored)),
                CustomKind::Select => (
                    stored.as_i64().map(|i| i.to_string()),
                    stored
                        .as_i64()
                        .and_then(|i| meta.option(i))
                        .map(|o| o.value.clone()),
                ),
                CustomKind::MultiSelect => {
                    let ids: Vec<i64> = ids(stored).collect();
                    (
                        Some(format!(
                            "[{}]",
                            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                        )),
                        Some(
                            ids.iter()
                                .filter_map(|i| meta.option(*i))
                                .map(|o| o.value.clone())
                                .collect::<Vec<_>>()
                                .join(","),
                        ),
                    )
                }
                CustomKind::User => (
                    stored.as_str().map(str::to_string),
                    stored
                        .as_str()
                        .and_then(|a| meta.user(a))
                        .map(|u| u.display_name.clone()),
                ),
                CustomKind::DateTime => (
                    stored.as_i64().map(crate::clock::format_ts),
                    stored.as_i64().map(crate::clock::format_ts),
                ),
                CustomKind::Labels => (None, Some(joined_strings(stored))),
                CustomKind::Number => (
                    None,
                    stored.as_f64().map(|n| {
                        if n.fract() == 0.0 {
                            format!("{}", n as i64)
                        } else {
                            n.to_string()
                        }
                    }),
                ),
                _ => (
                    None,
                    Some(match stored {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }),
                ),
            },
            None => (None, Some(stored.to_string())),
        },
    }
}

fn joined_strings(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The changelog's `field` name and `fieldtype` of a field id.
pub fn change_field(meta: &Meta, id: &str) -> (String, &'static str) {
    match meta.custom_field(id) {
        Some(c) => (c.name.clone(), "custom"),
        None => (
            match id {
                "components" => "Component".to_string(),
                "fixVersions" => "Fix Version".to_string(),
                "versions" => "Version".to_string(),
                "parent" => "IssueParentAssociation".to_string(),
                other => other.to_string(),
            },
            "jira",
        ),
    }
}

/// Metadata of one field on a create, edit or transition screen.
/// `with_field_id`: create metadata carries `fieldId`; edit and transition metadata do not.
pub fn screen_field(
    ctx: &Ctx,
    project: &Project,
    id: &str,
    required: bool,
    with_field_id: bool,
) -> Option<Value> {
    let meta = ctx.meta;
    let name = name_of(meta, id)?;
    let schema = schema_of(meta, id)?;
    let mut ops: Vec<&str> = vec!["set"];
    let mut allowed: Option<Vec<Value>> = None;
    match id {
        "labels" => ops = vec!["add", "set", "remove"],
        "components" => {
            ops = vec!["add", "set", "remove"];
            allowed = Some(
                meta.components
                    .iter()
                    .filter(|c| c.project_id == project.id)
                    .map(|c| json!({"self": format!("{}/component/{}", ctx.api(), c.id), "id": c.id.to_string(), "name": c.name}))
                    .collect(),
            );
        }
        "fixVersions" | "versions" => {
            ops = vec!["set", "add", "remove"];
            allowed = Some(
                meta.versions
                    .iter()
                    .filter(|v| v.project_id == project.id)
                    .map(|v| ctx.version(v))
                    .collect(),
            );
        }
        "priority" => allowed = Some(meta.priorities.iter().map(|p| ctx.priority(p)).collect()),
        "resolution" => allowed = Some(meta.resolutions.iter().map(|r| ctx.resolution(r)).collect()),
        "issuetype" => {
            ops = vec![];
            allowed = Some(meta.issue_types.iter().map(|t| ctx.issue_type(t)).collect());
        }
        "project" => {
            ops = vec!["set"];
            allowed = Some(vec![ctx.project_ref(project)]);
        }
        "summary" | "description" | "environment" => ops = vec!["set"],
        other => {
            if let Some(c) = meta.custom_field(other) {
                match c.kind {
                    CustomKind::Select | CustomKind::MultiSelect => {
                        if c.kind == CustomKind::MultiSelect {
                            ops = vec!["add", "set", "remove"];
                        }
                        allowed = Some(
                            meta.options
                                .iter()
                                .filter(|o| o.field_id == c.id && !o.disabled)
                                .map(|o| json!({"self": format!("{}/customFieldOption/{}", ctx.api(), o.id), "value": o.value, "id": o.id.to_string()}))
                                .collect(),
                        );
                    }
                    CustomKind::Labels | CustomKind::MultiUser => ops = vec!["add", "set", "remove"],
                    _ => {}
                }
            }
        }
    }
    let mut o = json!({
        "required": required,
        "schema": schema,
        "name": name,
        "key": id,
        "hasDefaultValue": id == "priority" || id == "reporter",
        "operations": ops,
    });
    if let Some(a) = allowed {
        o["allowedValues"] = Value::Array(a);
    }
    if with_field_id {
        o["fieldId"] = json!(id);
    }
    if id == "assignee" || id == "reporter" {
        o["autoCompleteUrl"] = json!(format!("{}/user/search?query=", ctx.api()));
    }
    Some(o)
}

/// Custom fields that apply to a project and issue type, by their contexts.
pub fn custom_fields_for(
    meta: &Meta,
    project_id: i64,
    issue_type_id: i64,
) -> impl Iterator<Item = &CustomField> {
    meta.fields.iter().filter(move |c| {
        if matches!(c.kind, CustomKind::Rank) {
            return false;
        }
        let contexts: Vec<_> = meta.contexts.iter().filter(|x| x.field_id == c.id).collect();
        contexts.is_empty()
            || contexts.iter().any(|x| {
                (x.project_ids.is_empty() || x.project_ids.contains(&project_id))
                    && (x.issue_type_ids.is_empty() || x.issue_type_ids.contains(&issue_type_id))
            })
    })
}

/// Field ids a create screen shows for a project and issue type, with whether each is required.
pub fn create_screen(meta: &Meta, project: &Project, issue_type_id: i64) -> BTreeMap<String, bool> {
    let subtask = meta.issue_type(issue_type_id).is_some_and(|t| t.subtask);
    let mut out: BTreeMap<String, bool> = CREATE_SCREEN
        .iter()
        .filter(|id| {
            **id != "parent"
                || subtask
                || meta
                    .issue_type(issue_type_id)
                    .is_some_and(|t| t.hierarchy_level == 0)
        })
        .map(|id| {
            (
                id.to_string(),
                matches!(*id, "summary" | "issuetype" | "project") || (*id == "parent" && subtask),
            )
        })
        .collect();
    for c in custom_fields_for(meta, project.id, issue_type_id) {
        out.insert(c.id.clone(), false);
    }
    out
}
