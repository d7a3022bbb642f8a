//! Issue links, link types and remote links.

use jirakit_model::Issue;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::{Client, Req};
use crate::issues::seg;
use crate::worklogs::string_or_number;
use crate::Error;

/// A kind of link: "Blocks" reads "blocks" outward and "is blocked by" inward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueLinkType {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub inward: String,
    #[serde(default)]
    pub outward: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A link between two issues, as `GET /issueLink/{id}` and an issue's `issuelinks` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueLink {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: IssueLinkType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inward_issue: Option<Issue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outward_issue: Option<Issue>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A link from an issue to something outside Jira.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteLink {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    pub object: RemoteObject,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteObject {
    pub url: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What `POST /issue/{key}/remotelink` answered: the link's id, and whether it was new (a link
/// with an existing `globalId` is updated in place).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteLinkSaved {
    pub id: String,
    pub created: bool,
}

/// `client.links()`.
pub struct Links {
    client: Client,
}

impl Client {
    pub fn links(&self) -> Links {
        Links { client: self.clone() }
    }
}

impl Links {
    /// Every link type of the site.
    pub async fn types(&self) -> Result<Vec<IssueLinkType>, Error> {
        let path = self.client.api("/issueLinkType").await?;
        let v: Value = self.client.execute(Req::new(Method::GET, path)).await?.json()?;
        crate::error::decode_value(
            "GET /issueLinkType",
            "issueLinkTypes",
            v.get("issueLinkTypes")
                .cloned()
                .unwrap_or(Value::Array(Vec::new())),
        )
    }

    /// A link type by id.
    pub async fn link_type(&self, id: &str) -> Result<IssueLinkType, Error> {
        let path = self.client.api(&format!("/issueLinkType/{}", seg(id))).await?;
        self.client.execute(Req::new(Method::GET, path)).await?.json()
    }

    /// Creates a link type.
    pub async fn create_type(&self, name: &str, inward: &str, outward: &str) -> Result<IssueLinkType, Error> {
        let path = self.client.api("/issueLinkType").await?;
        let body = json!({"name": name, "inward": inward, "outward": outward});
        self.client
            .execute(Req::new(Method::POST, path).json(&body)?)
            .await?
            .json()
    }

    pub async fn delete_type(&self, id: &str) -> Result<(), Error> {
        let path = self.client.api(&format!("/issueLinkType/{}", seg(id))).await?;
        self.client
            .execute(Req::new(Method::DELETE, path))
            .await
            .map(drop)
    }

    /// Links two issues with the link type named `kind` (name, e.g. "Blocks"): `outward` blocks
    /// `inward`. Jira answers without the new link's id; read it from the issue's links.
    pub async fn link(&self, kind: &str, inward: &str, outward: &str) -> Result<(), Error> {
        let path = self.client.api("/issueLink").await?;
        let body = json!({
            "type": {"name": kind},
            "inwardIssue": {"key": inward},
            "outwardIssue": {"key": outward},
        });
        self.client
            .execute(Req::new(Method::POST, path).json(&body)?)
            .await
            .map(drop)
    }

    pub async fn get(&self, id: &str) -> Result<IssueLink, Error> {
        let path = self.client.api(&format!("/issueLink/{}", seg(id))).await?;
        self.client.execute(Req::new(Method::GET, path)).await?.json()
    }

    /// The links of an issue (its `issuelinks` field).
    pub async fn of_issue(&self, key: &str) -> Result<Vec<IssueLink>, Error> {
        let issue = self
            .client
            .issues()
            .get(key)
            .fields(["issuelinks"])
            .send()
            .await?;
        let raw = issue.fields.get("issuelinks").unwrap_or(Value::Array(Vec::new()));
        crate::error::decode_value(&format!("GET /issue/{key}"), "fields.issuelinks", raw)
    }

    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        let path = self.client.api(&format!("/issueLink/{}", seg(id))).await?;
        self.client
            .execute(Req::new(Method::DELETE, path))
            .await
            .map(drop)
    }

    /// The remote links of an issue.
    pub async fn remote(&self, key: &str) -> Result<Vec<RemoteLink>, Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/remotelink", seg(key)))
            .await?;
        self.client.execute(Req::new(Method::GET, path)).await?.json()
    }

    /// Creates a remote link, or updates the one with the same `global_id`. With a global id
    /// the call is safe to retry (Jira updates instead of adding a second link).
    pub async fn save_remote(
        &self,
        key: &str,
        global_id: Option<&str>,
        url: &str,
        title: &str,
    ) -> Result<RemoteLinkSaved, Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/remotelink", seg(key)))
            .await?;
        let mut body = json!({"object": {"url": url, "title": title}});
        if let Some(g) = global_id {
            body["globalId"] = json!(g);
        }
        let mut req = Req::new(Method::POST, path).json(&body)?;
        req.idempotent = global_id.is_some();
        let resp = self.client.execute(req).await?;
        let v: Value = resp.json()?;
        let id = match v.get("id") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(Error::Decode {
                    endpoint: resp.endpoint.clone(),
                    json_path: "id".into(),
                    message: "the answer has no link id".into(),
                })
            }
        };
        Ok(RemoteLinkSaved {
            id,
            created: resp.status == 201,
        })
    }

    pub async fn delete_remote(&self, key: &str, id: &str) -> Result<(), Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/remotelink/{}", seg(key), seg(id)))
            .await?;
        self.client
            .execute(Req::new(Method::DELETE, path))
            .await
            .map(drop)
    }
}
