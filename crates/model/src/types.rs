//! Typed models of Jira resources. Every struct keeps unknown fields in `extra`, so a value read
//! and written back loses nothing, and a field Jira adds tomorrow breaks nobody.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::*;
use crate::{open_enum, open_struct, Extra};

open_enum!(
    /// `serverInfo.deploymentType`.
    DeploymentType { Cloud = "Cloud", Server = "Server", DataCenter = "DataCenter" }
);

open_enum!(
    /// A status category key.
    StatusCategoryKey { New = "new", Indeterminate = "indeterminate", Done = "done", Undefined = "undefined" }
);

/// `GET /rest/api/2/serverInfo`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub version_numbers: Vec<u64>,
    #[serde(default)]
    pub deployment_type: Option<DeploymentType>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An issue as `GET /issue/{key}` and search return it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub id: IssueId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<IssueKey>,
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    #[serde(default)]
    pub fields: IssueFields,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Issue {
    /// The key, or the id when the response had no key.
    pub fn key_or_id(&self) -> &str {
        self.key.as_ref().map(|k| k.as_str()).unwrap_or(self.id.as_str())
    }
}

/// The navigable fields jirakit types; every other field (custom fields included) is in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuetype: Option<IssueType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Named>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// ADF on v3, a wiki string on v2: see [`IssueFields::description_doc`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duedate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Named>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl IssueFields {
    /// Any field by id, typed or not (`summary`, `customfield_10016`).
    pub fn get(&self, id: &str) -> Option<Value> {
        if let Some(v) = self.extra.get(id) {
            return Some(v);
        }
        let all = serde_json::to_value(self).ok()?;
        all.get(id).cloned()
    }

    /// The description as an ADF document, whichever API version it came from.
    pub fn description_doc(&self) -> Option<jirakit_adf::Doc> {
        rich_text(self.description.as_ref()?)
    }
}

/// Reads rich text from either API version: an ADF object (v3) or wiki markup (v2).
pub fn rich_text(v: &Value) -> Option<jirakit_adf::Doc> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(jirakit_adf::Doc::from_wiki(s)),
        other => jirakit_adf::Doc::from_json(other.clone()).ok(),
    }
}

/// `{id, name, ...}`: priorities, resolutions, components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Named {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub id: StatusId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_category: Option<StatusCategory>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCategory {
    pub key: StatusCategoryKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueType {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub subtask: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectRef {
    pub id: ProjectId,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A project (`GET /project/{key}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub id: ProjectId,
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user: `accountId` on Cloud, `name`/`key` on Data Center.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A transition available from an issue's current status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub id: TransitionId,
    pub name: String,
    pub to: Status,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    /// ADF on v3, a wiki string on v2: see [`Comment::body_doc`].
    #[serde(default)]
    pub body: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Comment {
    pub fn body_doc(&self) -> Option<jirakit_adf::Doc> {
        rich_text(&self.body)
    }
}

/// One changelog entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeHistory {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default)]
    pub items: Vec<ChangeItem>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeItem {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_string: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A field of the site's catalog (`GET /field`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    pub id: FieldId,
    pub name: String,
    #[serde(default)]
    pub custom: bool,
    #[serde(default)]
    pub clause_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<FieldSchema>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSchema {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The answer to `POST /issue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedIssue {
    pub id: IssueId,
    pub key: IssueKey,
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
}

open_struct!(ServerInfo { base_url = "baseUrl", version = "version", version_numbers = "versionNumbers", deployment_type = "deploymentType" });
open_struct!(Issue { id = "id" required, key = "key", self_url = "self", fields = "fields" });
open_struct!(IssueFields { summary = "summary", status = "status", issuetype = "issuetype", project = "project", assignee = "assignee", reporter = "reporter", priority = "priority", labels = "labels", description = "description", duedate = "duedate", created = "created", updated = "updated", resolution = "resolution" });
open_struct!(Named { id = "id", name = "name" });
open_struct!(Status { id = "id" required, name = "name" required, status_category = "statusCategory" });
open_struct!(StatusCategory { key = "key" required, name = "name" });
open_struct!(IssueType { id = "id" required, name = "name" required, subtask = "subtask" });
open_struct!(ProjectRef { id = "id" required, key = "key" required, name = "name" });
open_struct!(Project { id = "id" required, key = "key" required, name = "name" required });
open_struct!(User { account_id = "accountId", name = "name", key = "key", display_name = "displayName", email_address = "emailAddress", active = "active" });
open_struct!(Transition { id = "id" required, name = "name" required, to = "to" required });
open_struct!(Comment { id = "id" required, body = "body", author = "author", created = "created", updated = "updated" });
open_struct!(ChangeHistory { id = "id" required, author = "author", created = "created", items = "items" });
open_struct!(ChangeItem { field = "field" required, field_id = "fieldId", from_string = "fromString", to_string = "toString" });
open_struct!(Field { id = "id" required, name = "name" required, custom = "custom", clause_names = "clauseNames", schema = "schema" });
open_struct!(FieldSchema { kind = "type" required, items = "items", custom = "custom" });

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let raw = json!({"id": "10000", "key": "A-1", "fields": {"summary": "s", "customfield_10016": 5.0}, "renderedFields": {}});
        let issue: Issue = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(issue.fields.get("customfield_10016"), Some(json!(5.0)));
        assert_eq!(serde_json::to_value(&issue).unwrap(), raw);
    }

    /// The derive that `open_struct!` replaces, kept here as the reference it must agree with.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct DerivedStatus {
        id: StatusId,
        name: String,
        #[serde(default)]
        status_category: Option<StatusCategory>,
        #[serde(flatten)]
        extra: serde_json::Map<String, Value>,
    }

    #[test]
    fn open_structs_read_what_the_derive_reads_and_refuse_what_it_refuses() {
        let cases = [
            r#"{"id":"1","name":"To Do","statusCategory":{"key":"new","colorName":"blue"},"self":"u"}"#,
            r#"{"id":1,"name":"To Do","statusCategory":null}"#,
            r#"{"name":"x","id":"2","k\u00e9y":[1,{"a":null}],"iconUrl":""}"#,
            r#"{"id":"1"}"#,
            r#"{"name":"x"}"#,
            r#"{"id":"1","name":"x","id":"2"}"#,
            r#"{"id":"1","name":5}"#,
            r#"{"id":"1","name":"x","statusCategory":{"name":"no key"}}"#,
            r#"[]"#,
        ];
        for case in cases {
            let ours = serde_json::from_str::<Status>(case);
            let derived = serde_json::from_str::<DerivedStatus>(case);
            match (ours, derived) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(
                        (a.id, a.name, a.status_category, a.extra.to_map()),
                        (b.id, b.name, b.status_category, b.extra),
                        "{case}"
                    )
                }
                (Err(_), Err(_)) => {}
                (a, b) => panic!("{case}: ours {a:?}, derive {b:?}"),
            }
        }
    }

    #[test]
    fn a_decoding_error_inside_an_open_struct_still_names_its_path() {
        let raw = r#"{"id":"1","fields":{"summary":"s","status":{"id":"3","name":7}}}"#;
        let de = &mut serde_json::Deserializer::from_str(raw);
        let err = serde_path_to_error::deserialize::<_, Issue>(de).unwrap_err();
        assert_eq!(err.path().to_string(), "fields.status.name");
    }

    #[test]
    fn unknown_enum_values_are_kept() {
        let k: StatusCategoryKey = serde_json::from_value(json!("blocked")).unwrap();
        assert_eq!(k, StatusCategoryKey::Other("blocked".into()));
        assert_eq!(serde_json::to_value(&k).unwrap(), json!("blocked"));
        let d: DeploymentType = serde_json::from_value(json!("Cloud")).unwrap();
        assert_eq!(d, DeploymentType::Cloud);
    }

    #[test]
    fn rich_text_reads_wiki_and_adf() {
        let wiki = rich_text(&json!("*bold*")).unwrap();
        let adf = rich_text(&jirakit_adf::Doc::paragraph("x").to_json()).unwrap();
        assert!(wiki.to_plain_text().contains("bold"));
        assert_eq!(adf.to_plain_text().trim(), "x");
    }
}
