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

/// An admin webhook on `events`, optionally without bodies.
async fn hook_on(sb: &Sb, url: &str, events: &[&str], exclude_body: bool) {
    let (s, b) = sb
        .post(
            "/rest/webhooks/1.0/webhook",
            json!({"name": "entity hook", "url": url, "events": events, "secret": "s3",
                   "excludeBody": exclude_body}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

fn by_event<'a>(got: &'a [Received], event: &str) -> Vec<&'a Value> {
    got.iter()
        .filter(|r| r.body["webhookEvent"] == event)
        .map(|r| &r.body)
        .collect()
}

#[tokio::test]
async fn sprint_and_board_events_carry_the_sprint_or_board_and_refusals_send_nothing() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("SPR").await;
    let rx = Receiver::start(false, false).await;
    let events = [
        "sprint_created",
        "sprint_updated",
        "sprint_started",
        "sprint_closed",
        "sprint_deleted",
        "board_created",
        "board_updated",
        "board_deleted",
        "board_configuration_changed",
    ];
    hook_on(&sb, &rx.url, &events, false).await;
    let (_, f) = sb
        .post(
            "/rest/api/2/filter",
            json!({"name": "SPR", "jql": "project = SPR"}),
        )
        .await;
    let (s, board) = sb
        .post(
            "/rest/agile/1.0/board",
            json!({"name": "SPR board", "type": "scrum", "filterId": f["id"],
               "location": {"type": "project", "projectKeyOrId": "SPR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{board}");
    let (s, sp) = sb
        .post(
            "/rest/agile/1.0/sprint",
            json!({"name": "S1", "originBoardId": board["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sp}");
    let sprint = format!("/rest/agile/1.0/sprint/{}", sp["id"]);
    // Refused: no dates. Nothing may reach the outbox.
    let (s, _) = sb.post(&sprint, json!({"state": "active"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = sb
        .post(&sprint, json!({"startDate": "2026-01-05T09:00:00.000Z", "endDate": "2026-01-19T09:00:00.000Z", "goal": "Go"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        sb.post(&sprint, json!({"state": "active"})).await.0,
        StatusCode::OK
    );
    assert_eq!(
        sb.post(&sprint, json!({"state": "closed"})).await.0,
        StatusCode::OK
    );
    let (_, sp2) = sb
        .post(
            "/rest/agile/1.0/sprint",
            json!({"name": "S2", "originBoardId": board["id"]}),
        )
        .await;
    let sprint2 = format!("/rest/agile/1.0/sprint/{}", sp2["id"]);
    assert_eq!(sb.delete(&sprint2).await.0, StatusCode::NO_CONTENT);
    let board_path = format!("/rest/agile/1.0/board/{}", board["id"]);
    assert_eq!(sb.delete(&board_path).await.0, StatusCode::NO_CONTENT);

    let got = rx.wait_for("8 events", |g| distinct(g) >= 8).await;
    let names: Vec<&str> = got
        .iter()
        .map(|r| r.body["webhookEvent"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "board_created",
            "sprint_created",
            "sprint_updated",
            "sprint_started",
            "sprint_closed",
            "sprint_created",
            "sprint_deleted",
            "board_deleted"
        ]
    );
    assert!(got
        .iter()
        .all(|r| verify("s3", r) && r.body["timestamp"].is_i64()));
    let created = by_event(&got, "board_created")[0];
    assert_eq!(created["board"]["id"], board["id"]);
    assert_eq!(created["board"]["type"], "scrum");
    assert_eq!(created["board"]["location"]["projectKey"], "SPR");
    let updated = by_event(&got, "sprint_updated")[0];
    assert_eq!(updated["sprint"]["goal"], "Go");
    assert_eq!(updated["oldValue"]["goal"], "");
    assert!(updated["oldValue"].get("startDate").is_none());
    let started = by_event(&got, "sprint_started")[0];
    assert_eq!(started["sprint"]["state"], "active");
    assert_eq!(started["sprint"]["originBoardId"], board["id"]);
    let closed = by_event(&got, "sprint_closed")[0];
    assert_eq!(closed["sprint"]["state"], "closed");
    assert!(closed["sprint"]["completeDate"].is_string());
    assert_eq!(by_event(&got, "sprint_deleted")[0]["sprint"]["name"], "S2");
    assert_eq!(by_event(&got, "board_deleted")[0]["board"]["name"], "SPR board");
}

#[tokio::test]
async fn worklog_link_and_project_events_carry_their_entity() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    let rx = Receiver::start(false, false).await;
    hook_on(
        &sb,
        &rx.url,
        &[
            "worklog_created",
            "worklog_updated",
            "worklog_deleted",
            "issuelink_created",
            "issuelink_deleted",
            "project_created",
            "project_updated",
            "project_deleted",
        ],
        false,
    )
    .await;
    sb.project("EVT").await;
    let a = sb.issue("EVT", "Blocker", "Task").await;
    let b = sb.issue("EVT", "Blocked", "Task").await;
    let (s, w) = sb
        .post(
            &format!("/rest/api/2/issue/{a}/worklog"),
            json!({"timeSpent": "1h 30m", "comment": "pairing"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let wl = format!("/rest/api/2/issue/{a}/worklog/{}", w["id"].as_str().unwrap());
    assert_eq!(sb.put(&wl, json!({"timeSpent": "2h"})).await.0, StatusCode::OK);
    assert_eq!(sb.delete(&wl).await.0, StatusCode::NO_CONTENT);
    let (s, _) = sb
        .post(
            "/rest/api/2/issueLink",
            json!({"type": {"name": "Blocks"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, issue) = sb.get(&format!("/rest/api/2/issue/{a}?fields=issuelinks")).await;
    let link = issue["fields"]["issuelinks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        sb.delete(&format!("/rest/api/2/issueLink/{link}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        sb.put("/rest/api/2/project/EVT", json!({"description": "Events"}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        sb.delete("/rest/api/2/project/EVT").await.0,
        StatusCode::NO_CONTENT
    );

    let got = rx.wait_for("8 events", |g| distinct(g) >= 8).await;
    let names: Vec<&str> = got
        .iter()
        .map(|r| r.body["webhookEvent"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "project_created",
            "worklog_created",
            "worklog_updated",
            "worklog_deleted",
            "issuelink_created",
            "issuelink_deleted",
            "project_updated",
            "project_deleted"
        ]
    );
    let created = by_event(&got, "worklog_created")[0];
    assert_eq!(created["worklog"]["id"], w["id"]);
    assert_eq!(created["worklog"]["timeSpentSeconds"], 5400);
    assert_eq!(created["worklog"]["comment"], "pairing");
    assert_eq!(
        by_event(&got, "worklog_updated")[0]["worklog"]["timeSpentSeconds"],
        7200
    );
    let linked = by_event(&got, "issuelink_created")[0];
    assert_eq!(linked["issueLink"]["id"].to_string(), link);
    assert_eq!(linked["issueLink"]["issueLinkType"]["name"], "Blocks");
    assert_eq!(linked["issueLink"]["issueLinkType"]["outwardName"], "blocks");
    assert_ne!(
        linked["issueLink"]["sourceIssueId"],
        linked["issueLink"]["destinationIssueId"]
    );
    assert_eq!(
        by_event(&got, "issuelink_deleted")[0]["issueLink"]["id"].to_string(),
        link
    );
    assert_eq!(by_event(&got, "project_created")[0]["project"]["key"], "EVT");
    assert_eq!(
        by_event(&got, "project_updated")[0]["project"]["description"],
        "Events"
    );
    assert_eq!(by_event(&got, "project_deleted")[0]["project"]["key"], "EVT");
}

#[tokio::test]
async fn a_transition_that_adds_a_comment_sends_comment_created() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("TRC").await;
    let rx = Receiver::start(false, false).await;
    hook_on(&sb, &rx.url, &["comment_created", "jira:issue_updated"], false).await;
    let key = sb.issue("TRC", "Move me", "Task").await;
    let (_, t) = sb.get(&format!("/rest/api/2/issue/{key}/transitions")).await;
    let id = t["transitions"][0]["id"].clone();
    let (s, b) = sb
        .post(
            &format!("/rest/api/2/issue/{key}/transitions"),
            json!({"transition": {"id": id}, "update": {"comment": [{"add": {"body": "Moving on"}}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let got = rx
        .wait_for("the transition and its comment", |g| distinct(g) >= 2)
        .await;
    let comment = by_event(&got, "comment_created");
    assert_eq!(comment.len(), 1, "{got:#?}");
    assert_eq!(comment[0]["comment"]["body"], "Moving on");
    assert_eq!(comment[0]["issue"]["key"], key.as_str());
    let updated = by_event(&got, "jira:issue_updated");
    assert_eq!(updated[0]["issue_event_type_name"], "issue_generic");
}

#[tokio::test]
async fn exclude_body_sends_only_the_headers_signed_over_the_empty_body() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("NOB").await;
    let rx = Receiver::start(false, false).await;
    hook_on(&sb, &rx.url, &["jira:issue_created"], true).await;
    sb.issue("NOB", "Quiet", "Task").await;
    let got = rx.wait_for("one delivery", |g| !g.is_empty()).await;
    assert!(
        got[0].raw.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&got[0].raw)
    );
    assert!(!got[0].identifier.is_empty());
    assert!(verify("s3", &got[0]));
}
