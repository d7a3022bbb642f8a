//! Creating an issue without duplicates when the outcome of a create is unknown.
//!
//! A `POST /issue` that times out, is reset, or answers 5xx may or may not have created the
//! issue. Retrying blindly makes two tickets; giving up loses one. [`IdempotentCreate`] makes
//! the create safe to retry:
//!
//! 1. The caller picks an idempotency key (a UUID, or an id from their own system, such as
//!    `"crash-report-8412"`), made of letters, digits, `-` and `_`.
//! 2. The create carries, atomically with the issue, an issue property
//!    `jirakit.idempotency = {"key": K}` and a label `jk-idem-K` (the label is the lookup index;
//!    the property is the proof).
//! 3. After an ambiguous failure, before any retry, jirakit searches `labels = "jk-idem-K"` and
//!    confirms the property on each hit. Found: that issue is the result. Not found: the create
//!    is sent again, with Atlassian's backoff.
//!
//! ```no_run
//! # async fn f(jira: jirakit::Client) -> Result<(), jirakit::Error> {
//! let issue = jira
//!     .issues()
//!     .create("OPS", "Bug", "Disk full on db-3")
//!     .idempotency_key("alert-20260105-db3-disk")
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! # Limits against real Jira
//!
//! - **Search is eventually consistent** on Cloud: an issue created a moment ago may not be
//!   found yet. The lookup therefore polls [`IdempotentCreate::settle_polls`] times before
//!   concluding "not created" (and on Cloud sends no `reconcileIssues`, since the id of the
//!   lost issue is exactly what is unknown). A duplicate stays possible if indexing lags longer
//!   than the polls; the window is small, not zero.
//! - **Issue properties are not searchable** through JQL for plain REST clients (only
//!   properties an app indexes in its descriptor are), which is why the label is the index.
//!   The label is visible to users; remove it after success if that matters.
//! - The key must be stable across the caller's own retries (a process restart included), and
//!   unique: reusing a key returns the issue created first.
//! - A caller that cannot search the project (no Browse permission on it) cannot look up.

use std::time::Duration;

use jirakit_model::{CreatedIssue, Issue};
use serde_json::{json, Value};

use crate::issues::CreateIssue;
use crate::retry::{decide, Outcome, RetryAction, RetryPolicy};
use crate::Error;

/// The property that proves which key created an issue.
pub const PROPERTY: &str = "jirakit.idempotency";

/// The label that indexes an idempotency key.
pub fn label(key: &str) -> String {
    format!("jk-idem-{key}")
}

/// A create that is safe to retry.
pub struct IdempotentCreate {
    create: CreateIssue,
    key: String,
    policy: RetryPolicy,
    settle_polls: u32,
    check_first: bool,
}

impl CreateIssue {
    /// Makes this create idempotent under `key` (letters, digits, `-`, `_`).
    pub fn idempotency_key(self, key: impl Into<String>) -> IdempotentCreate {
        IdempotentCreate {
            create: self,
            key: key.into(),
            policy: RetryPolicy::default(),
            settle_polls: 3,
            check_first: false,
        }
    }
}

fn is_ambiguous(e: &Error) -> bool {
    match e {
        Error::Network { .. } => true,
        Error::Api(a) => a.status >= 500 || a.status == 408,
        _ => false,
    }
}

impl IdempotentCreate {
    /// How many times a lookup searches before concluding the issue was not created.
    pub fn settle_polls(mut self, n: u32) -> Self {
        self.settle_polls = n.max(1);
        self
    }

    /// Looks the key up before the first create too, so a rerun of a whole job (a process that
    /// crashed after creating) finds its issue. Costs one search per create.
    pub fn check_first(mut self) -> Self {
        self.check_first = true;
        self
    }

    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.policy = p;
        self
    }

    /// Creates the issue, or finds the one an earlier attempt created.
    pub async fn send(self) -> Result<CreatedIssue, Error> {
        if self.key.is_empty()
            || !self
                .key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::Config(format!(
                "idempotency key {:?}: use letters, digits, '-' and '_'",
                self.key
            )));
        }
        let client = self.create.client.clone();
        if self.check_first {
            if let Some(found) = self.lookup().await? {
                return Ok(found);
            }
        }
        // Existing labels set by the caller are kept: the marker is added to them.
        let mut body = self.create.body().await?;
        let labels = body["fields"]
            .get("labels")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut labels = labels;
        labels.push(json!(label(&self.key)));
        body["fields"]["labels"] = Value::Array(labels);
        let props = body
            .get("properties")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut props = props;
        props.push(json!({"key": PROPERTY, "value": {"key": self.key}}));
        body["properties"] = Value::Array(props);

        let path = client.api("/issue").await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let err = match client
                .request(reqwest::Method::POST, path.clone())
                .json(&body)
                .send_json::<CreatedIssue>()
                .await
            {
                Ok(created) => return Ok(created),
                Err(e) if is_ambiguous(&e) => e,
                Err(e) => return Err(e),
            };
            tracing::debug!(attempt, error = %err, "create outcome unknown; looking it up");
            if let Some(found) = self.lookup().await? {
                return Ok(found);
            }
            let outcome = Outcome::Status {
                status: err.status().unwrap_or(503),
                retry_after: err.retry_after(),
            };
            match decide(&self.policy, &outcome, attempt, true, rand::random()) {
                RetryAction::RetryAfter(d) => tokio::time::sleep(d).await,
                RetryAction::Stop(_) => return Err(err),
            }
        }
    }

    /// The issue created under this key, if any.
    pub async fn lookup(&self) -> Result<Option<CreatedIssue>, Error> {
        let client = &self.create.client;
        let jql = jirakit_jql::Jql::field("labels").eq(label(&self.key)).to_jql()?;
        for poll in 0..self.settle_polls {
            if poll > 0 {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(poll))).await;
            }
            let d = client.deployment().await?;
            let (path, body) = if d.uses_adf() {
                (
                    "/rest/api/3/search/jql",
                    json!({"jql": jql, "fields": ["key"], "properties": [PROPERTY], "maxResults": 10}),
                )
            } else {
                (
                    "/rest/api/2/search",
                    json!({"jql": jql, "fields": ["key"], "properties": [PROPERTY], "maxResults": 10}),
                )
            };
            let v: Value = client
                .request(reqwest::Method::POST, path)
                .json(&body)
                .idempotent(true)
                .send_json()
                .await?;
            let issues: Vec<Issue> = crate::error::decode_value(path, "issues", v["issues"].clone())?;
            for issue in issues {
                let inline = issue
                    .extra
                    .get("properties")
                    .and_then(|mut p| p.get_mut(PROPERTY).map(Value::take));
                let proof = match inline {
                    Some(p) => Some(p),
                    // Not returned inline (older servers): ask for it.
                    None => client.issues().property(issue.id.as_str(), PROPERTY).await?,
                };
                if proof.as_ref().and_then(|p| p.get("key")).and_then(Value::as_str)
                    == Some(self.key.as_str())
                {
                    let key = issue.key.clone().unwrap_or_else(|| issue.id.0.clone().into());
                    return Ok(Some(CreatedIssue {
                        id: issue.id,
                        key,
                        self_url: issue.self_url,
                    }));
                }
            }
        }
        Ok(None)
    }
}
