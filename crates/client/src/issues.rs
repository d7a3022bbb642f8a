//! `client.issues()`: get, create, edit, delete, assign, transitions, comments, changelog,
//! properties.

use jirakit_adf::Doc;
use jirakit_model::{ChangeHistory, Comment, CreatedIssue, Issue, Transition};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::client::{Client, Req};
use crate::page::{PageStyle, Pager};
use crate::Error;

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One path segment, escaped.
pub(crate) fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// A value for a field: plain JSON, or rich text rendered per API version.
#[derive(Debug, Clone)]
pub enum FieldValue {
    Json(Value),
    /// ADF on Cloud (v3), wiki markup on Data Center (v2).
    Rich(Doc),
    /// A typed value, checked against the field's type in the catalog.
    Typed(crate::fieldcodec::FieldVal),
}

impl From<crate::fieldcodec::FieldVal> for FieldValue {
    fn from(v: crate::fieldcodec::FieldVal) -> Self {
        FieldValue::Typed(v)
    }
}

impl From<Value> for FieldValue {
    fn from(v: Value) -> Self {
        FieldValue::Json(v)
    }
}

impl From<Doc> for FieldValue {
    fn from(d: Doc) -> Self {
        FieldValue::Rich(d)
    }
}

impl FieldValue {
    pub(crate) fn render(&self, adf: bool) -> Value {
        match self {
            FieldValue::Json(v) => v.clone(),
            FieldValue::Rich(d) if adf => d.to_json(),
            FieldValue::Rich(d) => Value::String(d.to_wiki()),
            FieldValue::Typed(v) => v.to_json(adf),
        }
    }
}

/// Resolves names to ids and renders values for this deployment.
async fn render_fields(
    client: &Client,
    fields: &[(String, FieldValue)],
) -> Result<Map<String, Value>, Error> {
    let adf = client.deployment().await?.uses_adf();
    let mut out = Map::new();
    if fields.is_empty() {
        return Ok(out);
    }
    let catalog = client.fields().catalog().await?;
    for (name, value) in fields {
        match value {
            FieldValue::Typed(v) => {
                let (id, json) = catalog.encode(name, v, adf)?;
                out.insert(id, json);
            }
            other => {
                let id = catalog.resolve(name)?;
                out.insert(id.0, other.render(adf));
            }
        }
    }
    Ok(out)
}

/// `client.issues()`.
pub struct Issues {
    pub(crate) client: Client,
}

impl Client {
    pub fn issues(&self) -> Issues {
        Issues { client: self.clone() }
    }
}

impl Issues {
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// `GET /issue/{key}`.
    pub fn get(&self, key: impl Into<String>) -> GetIssue {
        GetIssue {
            client: self.client.clone(),
            key: key.into(),
            fields: Vec::new(),
            expand: Vec::new(),
        }
    }

    /// `POST /issue`: a new issue in `project` of type `issue_type` (names or ids).
    pub fn create(
        &self,
        project: impl Into<String>,
        issue_type: impl Into<String>,
        summary: impl Into<String>,
    ) -> CreateIssue {
        CreateIssue {
            client: self.client.clone(),
            project: project.into(),
            issue_type: issue_type.into(),
            fields: vec![("summary".into(), FieldValue::Json(Value::String(summary.into())))],
            properties: Vec::new(),
        }
    }

    /// `PUT /issue/{key}` with `fields` (set) and `update` (operations).
    pub fn edit(&self, key: impl Into<String>) -> EditIssue {
        EditIssue {
            client: self.client.clone(),
            key: key.into(),
            fields: Vec::new(),
            update: Vec::new(),
            notify: true,
        }
    }

    /// `DELETE /issue/{key}` (with its subtasks when `delete_subtasks`).
    pub async fn delete(&self, key: &str, delete_subtasks: bool) -> Result<(), Error> {
        let path = self.client.api(&format!("/issue/{}", seg(key))).await?;
        let req = Req::new(Method::DELETE, path).query("deleteSubtasks", delete_subtasks);
        self.client.execute(req).await.map(drop)
    }

    /// `PUT /issue/{key}/assignee`; `None` unassigns. On Data Center the id is the user name.
    pub async fn assign(&self, key: &str, account_id: Option<&str>) -> Result<(), Error> {
        let d = self.client.deployment().await?;
        let body = if d.uses_adf() {
            json!({ "accountId": account_id })
        } else {
            json!({ "name": account_id })
        };
        let path = format!("{}/issue/{}/assignee", d.api_root(), seg(key));
        self.client
            .execute(Req::new(Method::PUT, path).json(&body)?)
            .await
            .map(drop)
    }

    /// The transitions available now.
    pub async fn transitions(&self, key: &str) -> Result<Vec<Transition>, Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/transitions", seg(key)))
            .await?;
        let v: Value = self.client.execute(Req::new(Method::GET, path)).await?.json()?;
        crate::error::decode_value(
            &format!("GET /issue/{key}/transitions"),
            "transitions",
            v.get("transitions").cloned().unwrap_or(Value::Array(Vec::new())),
        )
    }

    /// Moves an issue by transition name or by target status name; no magic ids.
    pub fn transition(&self, key: impl Into<String>) -> TransitionIssue {
        TransitionIssue {
            client: self.client.clone(),
            key: key.into(),
            target: Target::Either(String::new()),
            fields: Vec::new(),
        }
    }

    /// Comments, oldest first, paged.
    pub async fn comments(&self, key: &str) -> Result<Pager<Comment>, Error> {
        let path = self.client.api(&format!("/issue/{}/comment", seg(key))).await?;
        Ok(Pager::new(
            self.client.clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            "comments",
        ))
    }

    /// Adds a comment (ADF on Cloud, wiki on Data Center).
    pub async fn add_comment(&self, key: &str, body: Doc) -> Result<Comment, Error> {
        let d = self.client.deployment().await?;
        let path = format!("{}/issue/{}/comment", d.api_root(), seg(key));
        let body = json!({ "body": FieldValue::Rich(body).render(d.uses_adf()) });
        self.client
            .execute(Req::new(Method::POST, path).json(&body)?)
            .await?
            .json()
    }

    /// The changelog, oldest first, paged.
    pub async fn changelog(&self, key: &str) -> Result<Pager<ChangeHistory>, Error> {
        let path = self.client.api(&format!("/issue/{}/changelog", seg(key))).await?;
        Ok(Pager::new(
            self.client.clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            "values",
        ))
    }

    /// An issue property, `None` if it is not set.
    pub async fn property(&self, key: &str, property: &str) -> Result<Option<Value>, Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/properties/{}", seg(key), seg(property)))
            .await?;
        match self.client.execute(Req::new(Method::GET, path)).await {
            Ok(r) => {
                let v: Value = r.json()?;
                Ok(v.get("value").cloned())
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn set_property(&self, key: &str, property: &str, value: &Value) -> Result<(), Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/properties/{}", seg(key), seg(property)))
            .await?;
        self.client
            .execute(Req::new(Method::PUT, path).json(value)?)
            .await
            .map(drop)
    }

    pub async fn delete_property(&self, key: &str, property: &str) -> Result<(), Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/properties/{}", seg(key), seg(property)))
            .await?;
        self.client
            .execute(Req::new(Method::DELETE, path))
            .await
            .map(drop)
    }
}

/// Builder of `GET /issue/{key}`.
pub struct GetIssue {
    client: Client,
    key: String,
    fields: Vec<String>,
    expand: Vec<String>,
}

impl GetIssue {
    /// Fields to return, by id or name (`"Story Points"`), or `*all` / `*navigable` / `-id`.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    pub fn expand(mut self, what: impl Into<String>) -> Self {
        self.expand.push(what.into());
        self
    }

    pub async fn send(self) -> Result<Issue, Error> {
        let path = self.client.api(&format!("/issue/{}", seg(&self.key))).await?;
        let mut req = Req::new(Method::GET, path);
        if !self.fields.is_empty() {
            let ids = resolve_field_list(&self.client, &self.fields).await?;
            req = req.query("fields", ids.join(","));
        }
        if !self.expand.is_empty() {
            req = req.query("expand", self.expand.join(","));
        }
        self.client.execute(req).await?.json()
    }
}

/// The fields to ask a search or bulk fetch for: `*navigable` when none are given (Cloud would
/// return only `id`), else the given ones resolved by name.
pub(crate) async fn fields_or_navigable(client: &Client, fields: &[String]) -> Result<Vec<String>, Error> {
    if fields.is_empty() {
        return Ok(vec!["*navigable".to_owned()]);
    }
    resolve_field_list(client, fields).await
}

pub(crate) async fn resolve_field_list(client: &Client, fields: &[String]) -> Result<Vec<String>, Error> {
    let needs_catalog = fields.iter().any(|f| !is_literal_field(f));
    if !needs_catalog {
        return Ok(fields.to_vec());
    }
    let catalog = client.fields().catalog().await?;
    fields
        .iter()
        .map(|f| {
            if is_literal_field(f) {
                Ok(f.clone())
            } else {
                catalog.resolve(f).map(|id| id.0)
            }
        })
        .collect()
}

fn is_literal_field(f: &str) -> bool {
    f.starts_with('*') || f.starts_with('-') || f.starts_with("customfield_") || f == "id" || f == "key"
}

/// Builder of `POST /issue`.
pub struct CreateIssue {
    pub(crate) client: Client,
    project: String,
    issue_type: String,
    fields: Vec<(String, FieldValue)>,
    properties: Vec<(String, Value)>,
}

impl CreateIssue {
    /// The description, rendered for the API version.
    pub fn description(self, doc: Doc) -> Self {
        self.field("description", doc)
    }

    /// Any field by id or name: `.field("Story Points", json!(5))`.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    pub fn labels<I: IntoIterator<Item = S>, S: Into<String>>(self, labels: I) -> Self {
        let v: Vec<String> = labels.into_iter().map(Into::into).collect();
        self.field("labels", json!(v))
    }

    /// An issue property set atomically with the creation.
    pub fn property(mut self, key: impl Into<String>, value: Value) -> Self {
        self.properties.push((key.into(), value));
        self
    }

    /// The JSON body this builder sends (for inspection and tests).
    pub async fn body(&self) -> Result<Value, Error> {
        let mut fields = render_fields(&self.client, &self.fields).await?;
        fields.insert("project".into(), id_or_key(&self.project, "key"));
        fields.insert("issuetype".into(), id_or_key(&self.issue_type, "name"));
        let mut body = json!({ "fields": fields });
        if !self.properties.is_empty() {
            body["properties"] = self
                .properties
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect();
        }
        Ok(body)
    }

    /// Creates the issue. Not retried after an ambiguous failure (it could create two); see
    /// [`crate::idempotent`] for a create that is safe to retry.
    pub async fn send(self) -> Result<CreatedIssue, Error> {
        let body = self.body().await?;
        let path = self.client.api("/issue").await?;
        self.client
            .execute(Req::new(Method::POST, path).json(&body)?)
            .await?
            .json()
    }
}

fn id_or_key(v: &str, other: &str) -> Value {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "id": v })
    } else {
        json!({ other: v })
    }
}

/// Builder of `PUT /issue/{key}`.
pub struct EditIssue {
    client: Client,
    key: String,
    fields: Vec<(String, FieldValue)>,
    update: Vec<(String, Value)>,
    notify: bool,
}

impl EditIssue {
    /// Sets a field (by id or name).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    pub fn description(self, doc: Doc) -> Self {
        self.field("description", doc)
    }

    /// An `update` operation: `.update("labels", json!({"add": "x"}))`.
    pub fn update(mut self, name: impl Into<String>, op: Value) -> Self {
        self.update.push((name.into(), op));
        self
    }

    /// `notifyUsers` (default true).
    pub fn notify(mut self, yes: bool) -> Self {
        self.notify = yes;
        self
    }

    pub async fn body(&self) -> Result<Value, Error> {
        let fields = render_fields(&self.client, &self.fields).await?;
        let mut body = Map::new();
        if !fields.is_empty() {
            body.insert("fields".into(), Value::Object(fields));
        }
        if !self.update.is_empty() {
            let catalog = self.client.fields().catalog().await?;
            let mut ops: Map<String, Value> = Map::new();
            for (name, op) in &self.update {
                let id = catalog.resolve(name)?.0;
                let list = ops.entry(id).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = list {
                    a.push(op.clone());
                }
            }
            body.insert("update".into(), Value::Object(ops));
        }
        Ok(Value::Object(body))
    }

    pub async fn send(self) -> Result<(), Error> {
        let body = self.body().await?;
        let path = self.client.api(&format!("/issue/{}", seg(&self.key))).await?;
        let mut req = Req::new(Method::PUT, path).json(&body)?;
        if !self.notify {
            req = req.query("notifyUsers", false);
        }
        self.client.execute(req).await.map(drop)
    }
}

enum Target {
    Name(String),
    Status(String),
    Either(String),
}

/// Builder of `POST /issue/{key}/transitions`.
pub struct TransitionIssue {
    client: Client,
    key: String,
    target: Target,
    fields: Vec<(String, FieldValue)>,
}

impl TransitionIssue {
    /// The transition named `name` ("Start Progress").
    pub fn by_name(mut self, name: impl Into<String>) -> Self {
        self.target = Target::Name(name.into());
        self
    }

    /// Whichever transition leads to the status named `status` ("Done").
    pub fn to_status(mut self, status: impl Into<String>) -> Self {
        self.target = Target::Status(status.into());
        self
    }

    /// A transition name or, failing that, a target status name.
    pub fn to(mut self, name_or_status: impl Into<String>) -> Self {
        self.target = Target::Either(name_or_status.into());
        self
    }

    /// A field set on the transition screen (e.g. "resolution").
    pub fn field(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Finds the transition, then performs it. Returns the transition used.
    ///
    /// A transition whose outcome is unknown (a 5xx or a broken connection after sending) is not
    /// blindly repeated: the issue's status is read back first. Moved to the target status (and
    /// the target differs from where it started): done. Still where it was: sent again, up to
    /// three times.
    pub async fn send(self) -> Result<Transition, Error> {
        let issue_path = self.client.api(&format!("/issue/{}", seg(&self.key))).await?;
        let endpoint = format!("GET {issue_path}");
        let read = || async {
            let v: Value = self
                .client
                .execute(
                    Req::new(Method::GET, issue_path.clone())
                        .query("fields", "status")
                        .query("expand", "transitions"),
                )
                .await?
                .json()?;
            let status: Option<String> = v.pointer("/fields/status/id").and_then(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .or_else(|| s.as_u64().map(|n| n.to_string()))
            });
            let available: Vec<Transition> = crate::error::decode_value(
                &endpoint,
                "transitions",
                v.get("transitions").cloned().unwrap_or(Value::Array(Vec::new())),
            )?;
            Ok::<_, Error>((status, available))
        };
        let (from, available) = read().await?;
        let chosen = pick_transition(&available, &self.target)
            .ok_or_else(|| Error::NoTransition {
                issue: self.key.clone(),
                wanted: match &self.target {
                    Target::Name(s) | Target::Status(s) | Target::Either(s) => s.clone(),
                },
                available: available
                    .iter()
                    .map(|t| format!("{} → {}", t.name, t.to.name))
                    .collect(),
            })?
            .clone();
        let fields = render_fields(&self.client, &self.fields).await?;
        let mut body = json!({ "transition": { "id": chosen.id } });
        if !fields.is_empty() {
            body["fields"] = Value::Object(fields);
        }
        let path = self
            .client
            .api(&format!("/issue/{}/transitions", seg(&self.key)))
            .await?;
        let target = Some(chosen.to.id.to_string());
        let checkable = target.is_some() && target != from;
        let mut tries = 0;
        loop {
            tries += 1;
            let err = match self
                .client
                .execute(Req::new(Method::POST, path.clone()).json(&body)?)
                .await
            {
                Ok(_) => return Ok(chosen),
                Err(e) => e,
            };
            let ambiguous = match &err {
                Error::Network { ambiguous, .. } => *ambiguous,
                Error::Api(a) => a.status >= 500 || a.status == 408,
                _ => false,
            };
            if !ambiguous || !checkable || tries > 3 {
                return Err(err);
            }
            tracing::debug!(issue = %self.key, error = %err, "transition outcome unknown; reading the status back");
            let (now, _) = read().await?;
            if now == target {
                return Ok(chosen);
            }
            if now != from {
                // Someone else moved it meanwhile: report the original failure.
                return Err(err);
            }
        }
    }
}

fn pick_transition<'a>(available: &'a [Transition], target: &Target) -> Option<&'a Transition> {
    let by_name = |n: &str| available.iter().find(|t| t.name.eq_ignore_ascii_case(n));
    let by_status = |s: &str| available.iter().find(|t| t.to.name.eq_ignore_ascii_case(s));
    match target {
        Target::Name(n) => by_name(n),
        Target::Status(s) => by_status(s),
        Target::Either(x) => by_name(x).or_else(|| by_status(x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts() -> Vec<Transition> {
        serde_json::from_value(json!([
            {"id": "11", "name": "Start Progress", "to": {"id": "3", "name": "In Progress"}},
            {"id": "31", "name": "Close", "to": {"id": "10001", "name": "Done"}}
        ]))
        .unwrap()
    }

    #[test]
    fn transitions_are_found_by_name_or_target_status() {
        let t = ts();
        assert_eq!(
            pick_transition(&t, &Target::Name("close".into()))
                .unwrap()
                .id
                .as_str(),
            "31"
        );
        assert_eq!(
            pick_transition(&t, &Target::Status("Done".into()))
                .unwrap()
                .id
                .as_str(),
            "31"
        );
        assert_eq!(
            pick_transition(&t, &Target::Either("In Progress".into()))
                .unwrap()
                .id
                .as_str(),
            "11"
        );
        assert!(pick_transition(&t, &Target::Name("Done".into())).is_none());
    }

    #[test]
    fn rich_text_renders_adf_on_v3_and_wiki_on_v2() {
        let d = FieldValue::Rich(Doc::paragraph("hello"));
        assert_eq!(d.render(true)["type"], "doc");
        assert_eq!(d.render(false), Value::String("hello".into()));
    }

    #[test]
    fn numeric_project_is_an_id_and_text_is_a_key() {
        assert_eq!(id_or_key("10000", "key"), json!({"id": "10000"}));
        assert_eq!(id_or_key("PROJ", "key"), json!({"key": "PROJ"}));
    }

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(seg("A-1"), "A-1");
        assert_eq!(seg("a/b"), "a%2Fb");
    }
}
