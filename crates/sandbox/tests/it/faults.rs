//! Fault rules: statuses, latency, torn connections and "commit then fail", over real HTTP.

use base64::Engine;
use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

async fn set_rules(sb: &Sb, body: Value) {
    let (s, b) = sb.put("/_sandbox/faults", body).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// Sends one request over a bare TCP connection and returns every byte the server sent.
async fn raw(sb: &Sb, method: &str, path: &str, body: &str) -> Vec<u8> {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", sb.auth.0, sb.auth.1));
    let mut tcp = tokio::net::TcpStream::connect(sb.sandbox.addr()).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: sandbox\r\nAuthorization: Basic {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read_to_end(&mut got))
        .await
        .expect("the server closes the connection");
    got
}

async fn issue_count(sb: &Sb, project: &str) -> usize {
    let (s, b) = sb
        .get(&format!(
            "/rest/api/3/search/jql?jql=project%20%3D%20{project}&fields=summary"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["issues"].as_array().unwrap().len()
}

#[tokio::test]
async fn fault_rules_are_set_shown_and_cleared() {
    let sb = Sb::start(Seed::Empty).await;
    let rule = json!({"method": "POST", "path": "/rest/api/*/issue", "count": 5, "action": {"status": 503}});
    set_rules(&sb, json!({"rules": [rule]})).await;
    let (s, b) = sb.get("/_sandbox/faults").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["rules"][0]["path"], "/rest/api/*/issue");
    assert_eq!(b["rules"][0]["count"], 5);
    assert_eq!(b["rules"][0]["action"], json!({"status": 503}));
    let (s, _) = sb.delete("/_sandbox/faults").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(sb.get("/_sandbox/faults").await.1["rules"], json!([]));
}

#[tokio::test]
async fn malformed_fault_rules_are_refused_in_jiras_shape() {
    let sb = Sb::start(Seed::Empty).await;
    for bad in [
        json!({}),
        json!({"rules": [{"path": "/rest/**", "action": {}}]}),
        json!({"rules": [{"path": "/rest/**", "action": {"status": 503, "reset": true}}]}),
        json!({"rules": [{"path": "/rest/**", "action": {"commit_then": "later"}}]}),
        json!({"rules": [{"path": "/rest/**", "probability": 2.0, "action": {"status": 500}}]}),
        json!({"rules": [{"path": "/rest/**", "action": {"status": 200}}]}),
        json!({"rules": [{"path": "/rest/**", "action": {"explode": true}}]}),
    ] {
        let (s, b) = sb.put("/_sandbox/faults", bad.clone()).await;
        assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_status_rule_answers_jira_shaped_errors_count_times_then_stops() {
    let sb = Sb::start(Seed::Empty).await;
    set_rules(
        &sb,
        json!({"rules": [{"method": "GET", "path": "/rest/api/*/myself", "count": 2, "action": {"status": 503}}]}),
    )
    .await;
    for _ in 0..2 {
        let (s, b) = sb.get("/rest/api/3/myself").await;
        assert_jira_error(s, &b, StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(sb.get("/rest/api/3/myself").await.0, StatusCode::OK);
    let (_, rules) = sb.get("/_sandbox/faults").await;
    assert_eq!(rules["rules"][0]["count"], 0);
    assert_eq!(rules["rules"][0]["fired"], 2);
}

#[tokio::test]
async fn faults_never_touch_the_control_plane() {
    let sb = Sb::start(Seed::Empty).await;
    set_rules(
        &sb,
        json!({"rules": [{"path": "/**", "action": {"status": 500}}]}),
    )
    .await;
    assert_eq!(
        sb.get("/rest/api/3/myself").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(sb.get("/_sandbox/clock").await.0, StatusCode::OK);
    assert_eq!(sb.delete("/_sandbox/faults").await.0, StatusCode::NO_CONTENT);
    assert_eq!(sb.get("/rest/api/3/myself").await.0, StatusCode::OK);
}

#[tokio::test]
async fn rules_apply_in_order_and_the_first_that_fires_wins() {
    let sb = Sb::start(Seed::Empty).await;
    set_rules(
        &sb,
        json!({"rules": [
            {"path": "/rest/api/3/myself", "count": 1, "action": {"status": 502}},
            {"path": "/rest/api/*/myself", "action": {"status": 504}}
        ]}),
    )
    .await;
    assert_eq!(sb.get("/rest/api/3/myself").await.0, StatusCode::BAD_GATEWAY);
    assert_eq!(sb.get("/rest/api/3/myself").await.0, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(sb.get("/rest/api/2/myself").await.0, StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn probabilities_draw_from_a_seeded_generator_so_runs_repeat() {
    let sb = Sb::start(Seed::Empty).await;
    let rules = json!({"seed": 42, "rules": [{"path": "/rest/api/3/myself", "probability": 0.5, "action": {"status": 503}}]});
    let mut runs = Vec::new();
    for _ in 0..2 {
        set_rules(&sb, rules.clone()).await;
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(sb.get("/rest/api/3/myself").await.0.as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503) && runs[0].contains(&200), "{:?}", runs[0]);
}

#[tokio::test]
async fn a_delay_rule_slows_the_response_by_at_least_its_delay() {
    let sb = Sb::start(Seed::Empty).await;
    set_rules(
        &sb,
        json!({"rules": [{"path": "/rest/api/3/myself", "count": 1, "action": {"delay_ms": 200}}]}),
    )
    .await;
    assert_eq!(sb.get("/rest/api/3/myself").await.0, StatusCode::OK);
    let (_, log) = sb.get("/_sandbox/requests").await;
    let slow = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/rest/api/3/myself")
        .unwrap();
    assert!(slow["duration_ms"].as_f64().unwrap() >= 200.0, "{slow}");
}

#[tokio::test]
async fn a_reset_rule_closes_the_connection_without_a_byte_of_response() {
    let sb = Sb::start(Seed::Empty).await;
    set_rules(
        &sb,
        json!({"rules": [{"path": "/rest/api/3/myself", "count": 1, "action": {"reset": true}}]}),
    )
    .await;
    let got = raw(&sb, "GET", "/rest/api/3/myself", "").await;
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    // The next request is answered normally.
    let got = raw(&sb, "GET", "/rest/api/3/myself", "").await;
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // A real client sees a transport error, not a response.
    set_rules(
        &sb,
        json!({"rules": [{"path": "/rest/api/3/myself", "count": 1, "action": {"reset": true}}]}),
    )
    .await;
    let err = sb.req(reqwest::Method::GET, "/rest/api/3/myself").send().await;
    assert!(err.is_err(), "{err:?}");
}

#[tokio::test]
async fn a_truncate_rule_promises_more_bytes_than_it_sends() {
    let sb = Sb::start(Seed::Empty).await;
    set_rules(
        &sb,
        json!({"rules": [{"path": "/rest/api/3/myself", "count": 1, "action": {"truncate": true}}]}),
    )
    .await;
    let got = raw(&sb, "GET", "/rest/api/3/myself", "").await;
    let text = String::from_utf8_lossy(&got).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("headers arrive");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let promised: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("a content-length");
    assert!(
        !body.is_empty() && body.len() < promised,
        "{} of {promised}",
        body.len()
    );
    set_rules(
        &sb,
        json!({"rules": [{"path": "/rest/api/3/myself", "count": 1, "action": {"truncate": true}}]}),
    )
    .await;
    let r = sb
        .req(reqwest::Method::GET, "/rest/api/3/myself")
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.is_err());
}

#[tokio::test]
async fn commit_then_fail_stores_exactly_one_issue() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("CTF").await;
    set_rules(
        &sb,
        json!({"rules": [{"method": "POST", "path": "/rest/api/*/issue", "count": 1, "action": {"commit_then": 503}}]}),
    )
    .await;
    let create = json!({"fields": {"project": {"key": "CTF"}, "summary": "Printer on fire", "issuetype": {"name": "Task"}}});
    let (s, b) = sb.post("/rest/api/3/issue", create.clone()).await;
    assert_jira_error(s, &b, StatusCode::SERVICE_UNAVAILABLE);
    // The client saw a failure, yet the issue is there, exactly once.
    assert_eq!(issue_count(&sb, "CTF").await, 1);
    let (s, i) = sb.get("/rest/api/3/issue/CTF-1?fields=summary").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(i["fields"]["summary"], "Printer on fire");
    // A blind retry makes the duplicate real integrations end up with.
    let (s, _) = sb.post("/rest/api/3/issue", create).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(issue_count(&sb, "CTF").await, 2);
}

#[tokio::test]
async fn commit_then_timeout_stores_the_change_and_never_answers() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("CTT").await;
    set_rules(
        &sb,
        json!({"rules": [{"method": "POST", "path": "/rest/api/*/issue", "count": 1, "action": {"commit_then": "timeout"}}]}),
    )
    .await;
    let r = sb
        .req(reqwest::Method::POST, "/rest/api/2/issue")
        .timeout(std::time::Duration::from_millis(500))
        .json(&json!({"fields": {"project": {"key": "CTT"}, "summary": "Lost ack", "issuetype": {"name": "Task"}}}))
        .send()
        .await;
    assert!(r.as_ref().is_err_and(|e| e.is_timeout()), "{r:?}");
    assert_eq!(issue_count(&sb, "CTT").await, 1);
}
