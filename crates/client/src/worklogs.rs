//! Worklogs: `client.issues().worklogs(key)`, paged, and add / update / delete.

use jirakit_adf::Doc;
use jirakit_model::User;
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Map, Value};

use crate::client::{Client, Req};
use crate::issues::{seg, FieldValue, Issues};
use crate::page::{PageStyle, Pager};
use crate::Error;

/// Ids Jira sends as a string in one place and a number in another.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or a number, got {other}"
        ))),
    }
}

/// One worklog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Worklog {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<User>,
    /// ADF on v3, a wiki string on v2.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub comment: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_spent: Option<String>,
    #[serde(default)]
    pub time_spent_seconds: u64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What to log: the time spent, when it started (Jira's `2026-01-05T09:00:00.000+0000`), and
/// an optional comment.
#[derive(Debug, Clone)]
pub struct NewWorklog {
    pub time_spent_seconds: u64,
    pub started: String,
    pub comment: Option<Doc>,
}

impl NewWorklog {
    pub fn new(time_spent_seconds: u64, started: impl Into<String>) -> NewWorklog {
        NewWorklog {
            time_spent_seconds,
            started: started.into(),
            comment: None,
        }
    }

    pub fn comment(mut self, doc: Doc) -> Self {
        self.comment = Some(doc);
        self
    }

    fn body(&self, adf: bool) -> Value {
        let mut b = json!({"timeSpentSeconds": self.time_spent_seconds, "started": self.started});
        if let Some(c) = &self.comment {
            b["comment"] = FieldValue::Rich(c.clone()).render(adf);
        }
        b
    }
}

impl Issues {
    /// The worklogs of an issue, oldest first, paged.
    pub async fn worklogs(&self, key: &str) -> Result<Pager<Worklog>, Error> {
        let path = self.client().api(&format!("/issue/{}/worklog", seg(key))).await?;
        Ok(Pager::new(
            self.client().clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            "worklogs",
        ))
    }

    /// Logs work on an issue.
    pub async fn add_worklog(&self, key: &str, w: &NewWorklog) -> Result<Worklog, Error> {
        let d = self.client().deployment().await?;
        let path = format!("{}/issue/{}/worklog", d.api_root(), seg(key));
        let body = w.body(d.uses_adf());
        self.client()
            .execute(Req::new(Method::POST, path).json(&body)?)
            .await?
            .json()
    }

    /// Replaces a worklog's time, start and comment.
    pub async fn update_worklog(&self, key: &str, id: &str, w: &NewWorklog) -> Result<Worklog, Error> {
        let d = self.client().deployment().await?;
        let path = format!("{}/issue/{}/worklog/{}", d.api_root(), seg(key), seg(id));
        let body = w.body(d.uses_adf());
        self.client()
            .execute(Req::new(Method::PUT, path).json(&body)?)
            .await?
            .json()
    }

    pub async fn delete_worklog(&self, key: &str, id: &str) -> Result<(), Error> {
        let path = self
            .client()
            .api(&format!("/issue/{}/worklog/{}", seg(key), seg(id)))
            .await?;
        self.client()
            .execute(Req::new(Method::DELETE, path))
            .await
            .map(drop)
    }
}

impl Client {
    /// `POST /worklog/list`: worklogs by id (at most 1000 per call; longer lists are split).
    pub async fn worklogs_by_id(&self, ids: &[u64]) -> Result<Vec<Worklog>, Error> {
        let path = self.api("/worklog/list").await?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1000) {
            let mut req = Req::new(Method::POST, path.clone()).json(&json!({ "ids": chunk }))?;
            // A read: safe to repeat.
            req.idempotent = true;
            let page: Vec<Worklog> = self.execute(req).await?.json()?;
            out.extend(page);
        }
        Ok(out)
    }
}
