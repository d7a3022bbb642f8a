//! Webhooks: dynamic registration through REST (they expire after 30 days unless refreshed),
//! and, for receivers, the payload types and the `X-Hub-Signature` check.
//!
//! A receiver should verify the signature over the raw body *before* parsing it, answer 2xx
//! fast, and de-duplicate on `X-Atlassian-Webhook-Identifier`: Jira retries, so duplicates are
//! normal, and deliveries are not ordered. Only admin webhooks registered with a secret are
//! signed; dynamic (app) webhooks carry a JWT instead.

use hmac::{Hmac, Mac};
use jirakit_model::{ChangeItem, Comment, Issue, User};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use crate::client::{Client, Req};
use crate::page::{PageStyle, Pager};
use crate::worklogs::string_or_number;
use crate::Error;

jirakit_model::open_enum!(
    /// `webhookEvent` of a payload.
    WebhookEventKind {
        IssueCreated = "jira:issue_created",
        IssueUpdated = "jira:issue_updated",
        IssueDeleted = "jira:issue_deleted",
        CommentCreated = "comment_created",
        CommentUpdated = "comment_updated",
        CommentDeleted = "comment_deleted",
        IssuePropertySet = "issue_property_set",
        IssuePropertyDeleted = "issue_property_deleted",
        WorklogCreated = "worklog_created",
        WorklogUpdated = "worklog_updated",
        WorklogDeleted = "worklog_deleted",
    }
);

/// What a webhook delivers. Unknown fields stay in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    pub webhook_event: WebhookEventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_event_type_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<Issue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<WebhookChangelog>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    /// For dynamic webhooks: which registrations matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched_webhook_ids: Vec<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookChangelog {
    #[serde(
        default,
        deserialize_with = "opt_string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    #[serde(default)]
    pub items: Vec<ChangeItem>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn opt_string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    string_or_number(d).map(Some)
}

/// Whether `header` (the `X-Hub-Signature` value, `sha256=<hex>`) is the HMAC-SHA256 of `body`
/// under `secret`. The comparison takes the same time wherever the bytes differ; an unknown
/// method (Atlassian may change it) or malformed hex is simply `false`.
pub fn verify_signature(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some((method, hex_sig)) = header.trim().split_once('=') else {
        return false;
    };
    if !method.eq_ignore_ascii_case("sha256") {
        return false;
    }
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Verifies, then parses a delivery. A bad signature is an error naming no secret.
pub fn parse_signed(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<WebhookEvent, Error> {
    match header {
        Some(h) if verify_signature(secret, body, h) => {}
        _ => {
            return Err(Error::Config(
                "webhook delivery rejected: X-Hub-Signature is missing or does not match".into(),
            ))
        }
    }
    crate::error::decode("webhook delivery", body)
}

/// One registration: the events to receive for issues matching `jql`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDetails {
    pub events: Vec<String>,
    #[serde(rename = "jqlFilter")]
    pub jql: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ids_filter: Option<Vec<String>>,
}

impl WebhookDetails {
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(
        jql: impl Into<String>,
        events: I,
    ) -> WebhookDetails {
        WebhookDetails {
            events: events.into_iter().map(Into::into).collect(),
            jql: jql.into(),
            field_ids_filter: None,
        }
    }
}

/// The outcome of one registration: its id, or Jira's reasons.
#[derive(Debug, Clone, PartialEq)]
pub enum Registration {
    Created(i64),
    Refused(Vec<String>),
}

/// A registered dynamic webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredWebhook {
    pub id: i64,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub jql_filter: String,
    #[serde(default)]
    pub events: Vec<String>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub expiration_date: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `client.webhooks()`: dynamic webhooks (Connect and OAuth 2.0 apps).
pub struct Webhooks {
    client: Client,
}

impl Client {
    pub fn webhooks(&self) -> Webhooks {
        Webhooks { client: self.clone() }
    }
}

impl Webhooks {
    /// Registers webhooks delivering to `url`; one result per entry, in order.
    pub async fn register(&self, url: &str, hooks: &[WebhookDetails]) -> Result<Vec<Registration>, Error> {
        let path = self.client.api("/webhook").await?;
        let body = json!({ "url": url, "webhooks": hooks });
        let v: Value = self
            .client
            .execute(Req::new(Method::POST, path).json(&body)?)
            .await?
            .json()?;
        let results = v
            .get("webhookRegistrationResult")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(results
            .iter()
            .map(|r| match r.get("createdWebhookId").and_then(Value::as_i64) {
                Some(id) => Registration::Created(id),
                None => Registration::Refused(
                    r.get("errors")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default(),
                ),
            })
            .collect())
    }

    /// This app's registrations, paged.
    pub async fn list(&self) -> Result<Pager<RegisteredWebhook>, Error> {
        let path = self.client.api("/webhook").await?;
        Ok(Pager::new(
            self.client.clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            "values",
        ))
    }

    /// Extends the life of the given webhooks; returns the new expiry (ms since the epoch).
    pub async fn refresh(&self, ids: &[i64]) -> Result<i64, Error> {
        let path = self.client.api("/webhook/refresh").await?;
        let v: Value = self
            .client
            .execute(Req::new(Method::PUT, path).json(&json!({ "webhookIds": ids }))?)
            .await?
            .json()?;
        v.get("expirationDate")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::Decode {
                endpoint: "PUT /webhook/refresh".into(),
                json_path: "expirationDate".into(),
                message: "missing or not a number".into(),
            })
    }

    /// Deletes the given webhooks (deleting one that is gone already is not an error).
    pub async fn delete(&self, ids: &[i64]) -> Result<(), Error> {
        let path = self.client.api("/webhook").await?;
        self.client
            .execute(Req::new(Method::DELETE, path).json(&json!({ "webhookIds": ids }))?)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9";

    #[test]
    fn atlassians_test_vector_verifies() {
        assert!(verify_signature(
            b"It's a Secret to Everybody",
            b"Hello World!",
            VECTOR
        ));
    }

    #[test]
    fn a_changed_body_secret_method_or_hex_fails() {
        let secret = b"It's a Secret to Everybody";
        assert!(!verify_signature(secret, b"Hello World?", VECTOR));
        assert!(!verify_signature(b"another secret", b"Hello World!", VECTOR));
        assert!(!verify_signature(
            secret,
            b"Hello World!",
            &VECTOR.replace("sha256", "sha1")
        ));
        assert!(!verify_signature(secret, b"Hello World!", "sha256=zz"));
        assert!(!verify_signature(
            secret,
            b"Hello World!",
            &VECTOR[..VECTOR.len() - 2]
        ));
        assert!(!verify_signature(secret, b"Hello World!", ""));
    }

    #[test]
    fn a_payload_with_an_unknown_event_parses_and_keeps_its_fields() {
        let body = br#"{"timestamp": 1, "webhookEvent": "jira:issue_archived", "issue": {"id": "10001", "key": "A-1", "fields": {}}, "brandNew": true}"#;
        let secret = b"s3cret";
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
        mac.update(body);
        let sig = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let e = parse_signed(secret, body, Some(&sig)).unwrap();
        assert_eq!(
            e.webhook_event,
            WebhookEventKind::Other("jira:issue_archived".into())
        );
        assert_eq!(e.extra["brandNew"], json!(true));
        let err = parse_signed(secret, body, None).unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }
}
