//! Webhooks, sender side: a receiver on port 0 inside the test sees what the sandbox sends.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode as AxStatus};
use hmac::{Hmac, Mac};
use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::support::*;

#[derive(Clone, Debug)]
struct Received {
    identifier: String,
    retry: Option<String>,
    signature: Option<String>,
    raw: Vec<u8>,
    body: Value,
}

/// An HTTP receiver on port 0; `fail_first` answers 503 to the first attempt of every delivery,
/// `always_fail` answers 500 to everything.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(fail_first: bool, always_fail: bool) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let sink = got.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
                    let r = Received {
                        identifier: h("x-atlassian-webhook-identifier").unwrap_or_default(),
                        retry: h("x-atlassian-webhook-retry"),
                        signature: h("x-hub-signature"),
                        raw: body.to_vec(),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    };
                    let first = r.retry.is_none();
                    sink.lock().unwrap().push(r);
                    if always_fail {
                        AxStatus::INTERNAL_SERVER_ERROR
                    } else if fail_first && first {
                        AxStatus::SERVICE_UNAVAILABLE
                    } else {
                        AxStatus::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, got }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (bounded) until `done` holds for what has arrived.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.got();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}: got {:#?}", self.got());
    }
}

fn distinct(got: &[Received]) -> usize {
    got.iter().map(|r| &r.identifier).collect::<BTreeSet<_>>().len()
}

fn verify(secret: &str, r: &Received) -> bool {
    let Some(sig) = r.signature.as_deref().and_then(|s| s.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(bytes) = hex::decode(sig) else { return false };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&r.raw);
    mac.verify_slice(&bytes).is_ok()
}

const ALL: [&str; 6] = [
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
];

async fn admin_hook(sb: &Sb, url: &str, secret: Option<&str>, jql: &str) -> Value {
    let (s, b) = sb
        .post(
            "/rest/webhooks/1.0/webhook",
            json!({"name": "test hook", "url": url, "events": ALL, "secret": secret,
                   "filters": {"issue-related-events-section": jql}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b
}

#[tokio::test]
async fn admin_webhooks_are_created_listed_updated_and_deleted_without_showing_the_secret() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ADM").await;
    let hook = admin_hook(&sb, "http://127.0.0.1:9/hook", Some("s3cret"), "project = ADM").await;
    assert!(hook.get("secret").is_none(), "{hook}");
    assert_eq!(hook["filters"]["issue-related-events-section"], "project = ADM");
    let url = hook["self"].as_str().unwrap().to_string();
    let path = url.trim_start_matches(sb.sandbox.url());
    let (s, list) = sb.get("/rest/webhooks/1.0/webhook").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("s3cret"));
    let (s, b) = sb.put(path, json!({"enabled": false})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["enabled"], false);
    assert_eq!(b["name"], "test hook");
    let (s, b) = sb
        .post(
            "/rest/webhooks/1.0/webhook",
            json!({"name": "x", "url": "ftp://nope"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .post(
            "/rest/webhooks/1.0/webhook",
            json!({"name": "x", "url": "http://127.0.0.1:9/", "filters": {"issue-related-events-section": "project = = X"}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(sb.delete(path).await.0, StatusCode::NO_CONTENT);
    assert_eq!(sb.get(path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_event_arrives_at_least_once_signed_under_duplicates_and_reordering() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("WH").await;
    let rx = Receiver::start(false, false).await;
    let secret = "It's a Secret to Everybody";
    admin_hook(&sb, &rx.url, Some(secret), "").await;
    let (s, b) = sb
        .put(
            "/_sandbox/webhooks",
            json!({"duplicate_probability": 0.5, "reorder": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let key = sb.issue("WH", "Printer on fire", "Task").await;
    assert_eq!(
        sb.put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"summary": "Printer still on fire"}})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (s, c) = sb
        .post(
            &format!("/rest/api/2/issue/{key}/comment"),
            json!({"body": "Have you tried water?"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_str().unwrap().to_string();
    let (s, _) = sb
        .put(
            &format!("/rest/api/2/issue/{key}/comment/{cid}"),
            json!({"body": "Have you tried a fire extinguisher?"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        sb.delete(&format!("/rest/api/2/issue/{key}/comment/{cid}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let gone = sb.issue("WH", "Short-lived", "Task").await;
    assert_eq!(
        sb.delete(&format!("/rest/api/2/issue/{gone}")).await.0,
        StatusCode::NO_CONTENT
    );

    let got = rx.wait_for("seven distinct events", |g| distinct(g) >= 7).await;
    assert_eq!(distinct(&got), 7);
    for r in &got {
        assert!(verify(secret, r), "bad signature on {}", r.identifier);
        assert!(r.body["timestamp"].is_i64());
        assert_eq!(r.body["user"]["emailAddress"], "admin@example.com");
        assert!(r.body["issue"]["key"].as_str().unwrap().starts_with("WH-"));
    }
    let by_event: BTreeMap<String, Vec<&Received>> = got.iter().fold(BTreeMap::new(), |mut m, r| {
        m.entry(r.body["webhookEvent"].as_str().unwrap().to_string())
            .or_default()
            .push(r);
        m
    });
    for e in ALL {
        assert!(by_event.contains_key(e), "no {e} among {:?}", by_event.keys());
    }
    let updated = by_event["jira:issue_updated"][0];
    assert_eq!(updated.body["issue_event_type_name"], "issue_updated");
    let item = &updated.body["changelog"]["items"][0];
    assert_eq!(item["field"], "summary");
    assert_eq!(item["fromString"], "Printer on fire");
    assert_eq!(item["toString"], "Printer still on fire");
    assert_eq!(
        by_event["comment_created"][0].body["comment"]["body"],
        "Have you tried water?"
    );
    assert_eq!(
        by_event["comment_created"][0].body["issue_event_type_name"],
        "issue_commented"
    );
    // Duplicates carry the identifier and bytes of the original.
    assert!(got.len() > 7, "the seeded draws at p=0.5 produce duplicates");
    for r in &got {
        let twins: Vec<_> = got.iter().filter(|o| o.identifier == r.identifier).collect();
        assert!(twins.iter().all(|t| t.raw == r.raw));
    }
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_same_identifier_and_a_retry_count() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("RT").await;
    let rx = Receiver::start(true, false).await;
    admin_hook(&sb, &rx.url, None, "project = RT").await;
    sb.issue("RT", "Flaky receiver", "Task").await;
    let got = rx.wait_for("the first attempt", |g| !g.is_empty()).await;
    assert_eq!(got[0].retry, None);
    assert_eq!(got[0].signature, None, "no secret, no signature");
    // The retry waits for its backoff on the sandbox clock.
    let (_, _) = sb.post("/_sandbox/clock/advance", json!({"by": "1m"})).await;
    let got = rx.wait_for("the retry", |g| g.len() >= 2).await;
    assert_eq!(got[1].identifier, got[0].identifier);
    assert_eq!(got[1].retry.as_deref(), Some("1"));
    assert_eq!(got[1].raw, got[0].raw);
}

#[tokio::test]
async fn dynamic_webhooks_filter_by_jql_expire_refresh_and_report_failures() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("DYN").await;
    sb.project("OTH").await;
    let rx = Receiver::start(false, false).await;
    let (s, b) = sb
        .post(
            "/rest/api/3/webhook",
            json!({"url": rx.url, "webhooks": [
                {"events": ["jira:issue_created"], "jqlFilter": "project = DYN"},
                {"events": ["jira:issue_created"], "jqlFilter": "summary ~ fire"},
                {"events": ["nonsense"], "jqlFilter": "project = DYN"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let results = b["webhookRegistrationResult"].as_array().unwrap();
    let id = results[0]["createdWebhookId"]
        .as_i64()
        .expect("the first registers");
    assert!(
        results[1]["errors"].is_array() && results[2]["errors"].is_array(),
        "{b}"
    );

    let (_, page) = sb.get("/rest/api/3/webhook?maxResults=10").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["values"][0]["id"], id);
    assert_eq!(page["values"][0]["jqlFilter"], "project = DYN");
    // 2026-01-05T09:00Z plus 30 days.
    assert_eq!(
        page["values"][0]["expirationDate"],
        1_767_603_600_000i64 + 30 * 86_400_000
    );

    sb.issue("OTH", "not for us", "Task").await;
    let key = sb.issue("DYN", "for us", "Task").await;
    let got = rx.wait_for("the matching event", |g| !g.is_empty()).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].body["issue"]["key"], key.as_str());
    assert_eq!(got[0].body["matchedWebhookIds"], json!([id]));

    // Refresh moves the expiry 30 days from now; past it, nothing is sent.
    sb.post("/_sandbox/clock/advance", json!({"by": "10d"})).await;
    let (s, r) = sb
        .put("/rest/api/3/webhook/refresh", json!({"webhookIds": [id]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["expirationDate"], 1_767_603_600_000i64 + 40 * 86_400_000);
    sb.post("/_sandbox/clock/advance", json!({"by": "31d"})).await;
    sb.issue("DYN", "too late", "Task").await;
    // The admin creates a canary webhook to prove the round after the expired one ran.
    let canary = Receiver::start(false, false).await;
    admin_hook(&sb, &canary.url, None, "").await;
    sb.issue("DYN", "canary", "Task").await;
    canary.wait_for("the canary", |g| !g.is_empty()).await;
    assert_eq!(rx.got().len(), 1);

    let (s, _) = sb
        .call(
            reqwest::Method::DELETE,
            "/rest/api/3/webhook",
            Some(json!({"webhookIds": [id]})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(sb.get("/rest/api/3/webhook").await.1["total"], 0);
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_gives_up_and_is_listed_as_failed() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("GIV").await;
    let rx = Receiver::start(false, true).await;
    let (s, b) = sb
        .post(
            "/rest/api/3/webhook",
            json!({"url": rx.url, "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = GIV"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    sb.issue("GIV", "Nobody listens", "Task").await;
    for (n, wait) in ["1m", "2m", "5m", "10m", "15m"].iter().enumerate() {
        rx.wait_for("an attempt", |g| g.len() > n).await;
        sb.post("/_sandbox/clock/advance", json!({"by": wait})).await;
    }
    let got = rx.wait_for("the last attempt", |g| g.len() >= 6).await;
    assert_eq!(got[5].retry.as_deref(), Some("5"));
    let mut failed = Value::Null;
    for _ in 0..200 {
        failed = sb.get("/rest/api/3/webhook/failed").await.1;
        if failed["values"].as_array().is_some_and(|v| !v.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(failed["values"][0]["url"], rx.url.as_str(), "{failed}");
    assert!(failed["values"][0]["body"]
        .as_str()
        .unwrap()
        .contains("Nobody listens"));
    sb.post("/_sandbox/clock/advance", json!({"by": "1h"})).await;
    assert_eq!(rx.got().len(), 6, "no attempt after giving up");
}
