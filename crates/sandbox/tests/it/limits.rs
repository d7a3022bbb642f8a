//! Rate limits on the sandbox clock: burst, per-issue writes and the hourly quota.

use jirakit_sandbox::Seed;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

async fn set_limits(sb: &Sb, body: Value) {
    let (s, b) = sb.put("/_sandbox/limits", body).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn advance(sb: &Sb, by: &str) {
    let (s, b) = sb.post("/_sandbox/clock/advance", json!({ "by": by })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn limits_default_to_jira_clouds_and_can_be_set_and_restored() {
    let sb = Sb::start(Seed::Empty).await;
    let defaults =
        json!({"burst_per_second": 100, "issue_writes": [[20, "2s"], [100, "30s"]], "points_per_hour": null});
    assert_eq!(sb.get("/_sandbox/limits").await.1, defaults);
    set_limits(
        &sb,
        json!({"burst_per_second": 5, "issue_writes": [[3, "10s"]], "points_per_hour": 1000}),
    )
    .await;
    assert_eq!(
        sb.get("/_sandbox/limits").await.1,
        json!({"burst_per_second": 5, "issue_writes": [[3, "10s"]], "points_per_hour": 1000})
    );
    let (s, b) = sb.delete("/_sandbox/limits").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b, defaults);
    for bad in [
        json!({"burst_per_second": 0}),
        json!({"issue_writes": [[20]]}),
        json!({"issue_writes": [[20, "soon"]]}),
        json!({"points_per_hour": "many"}),
        json!({"bursts": 3}),
    ] {
        let (s, b) = sb.put("/_sandbox/limits", bad).await;
        assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_429_carries_every_header_and_the_bucket_refills_on_the_sandbox_clock() {
    let sb = Sb::start(Seed::Empty).await;
    set_limits(&sb, json!({"burst_per_second": 5})).await;
    let mut near = Vec::new();
    for _ in 0..5 {
        let r = sb.req(Method::GET, "/rest/api/3/myself").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "x-ratelimit-limit"), Some("5"));
        near.push(header(&r, "x-ratelimit-nearlimit").is_some());
    }
    // Four of five left is not near; none of five left is.
    assert_eq!(near, [false, false, false, false, true]);
    let r = sb.req(Method::GET, "/rest/api/2/myself").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&r, "retry-after"), Some("1"));
    assert_eq!(header(&r, "x-ratelimit-limit"), Some("5"));
    assert_eq!(header(&r, "x-ratelimit-remaining"), Some("0"));
    assert_eq!(header(&r, "x-ratelimit-reset"), Some("2026-01-05T09:00:01Z"));
    assert_eq!(header(&r, "ratelimit-reason"), Some("jira-burst-based"));
    let (s, b) = read(r).await;
    assert_jira_error(s, &b, StatusCode::TOO_MANY_REQUESTS);
    // Another endpoint has its own bucket; the control plane and the log are never limited.
    assert_eq!(sb.get("/rest/api/3/serverInfo").await.0, StatusCode::OK);
    for _ in 0..10 {
        assert_eq!(sb.get("/_sandbox/clock").await.0, StatusCode::OK);
        assert_eq!(sb.get("/_sandbox/requests").await.0, StatusCode::OK);
    }
    advance(&sb, "1s").await;
    assert_eq!(sb.get("/rest/api/3/myself").await.0, StatusCode::OK);
}

#[tokio::test]
async fn writes_to_one_issue_are_limited_per_issue_by_key_or_id() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("RL").await;
    let a = sb.issue("RL", "busy", "Task").await;
    let b = sb.issue("RL", "quiet", "Task").await;
    let (_, got) = sb.get(&format!("/rest/api/3/issue/{a}")).await;
    let a_id = got["id"].as_str().unwrap().to_string();
    set_limits(
        &sb,
        json!({"burst_per_second": null, "issue_writes": [[2, "2s"], [3, "30s"]]}),
    )
    .await;
    let edit = json!({"fields": {"summary": "edited"}});
    assert_eq!(
        sb.put(&format!("/rest/api/3/issue/{a}"), edit.clone()).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        sb.put(&format!("/rest/api/2/issue/{a_id}"), edit.clone()).await.0,
        StatusCode::NO_CONTENT
    );
    let r = sb
        .req(Method::POST, &format!("/rest/api/3/issue/{a}/comment"))
        .json(&json!({"body": {"type": "doc", "version": 1, "content": []}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&r, "ratelimit-reason"), Some("jira-per-issue-on-write"));
    assert_eq!(header(&r, "retry-after"), Some("2"));
    assert_eq!(header(&r, "x-ratelimit-limit"), Some("2"));
    // Reads and other issues are not held back.
    assert_eq!(sb.get(&format!("/rest/api/3/issue/{a}")).await.0, StatusCode::OK);
    assert_eq!(
        sb.put(&format!("/rest/api/3/issue/{b}"), edit.clone()).await.0,
        StatusCode::NO_CONTENT
    );
    advance(&sb, "2s").await;
    assert_eq!(
        sb.put(&format!("/rest/api/3/issue/{a}"), edit.clone()).await.0,
        StatusCode::NO_CONTENT
    );
    // The 30-second window is now full.
    advance(&sb, "2s").await;
    let r = sb
        .req(Method::PUT, &format!("/rest/api/3/issue/{a}"))
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&r, "x-ratelimit-limit"), Some("3"));
    assert_eq!(header(&r, "retry-after"), Some("26"));
}

#[tokio::test]
async fn the_points_quota_denies_everything_until_the_top_of_the_hour() {
    let sb = Sb::start(Seed::Empty).await;
    set_limits(&sb, json!({"points_per_hour": 3})).await;
    advance(&sb, "30m").await;
    for _ in 0..3 {
        assert_eq!(sb.get("/rest/api/3/myself").await.0, StatusCode::OK);
    }
    let r = sb
        .req(Method::GET, "/rest/api/3/serverInfo")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&r, "ratelimit-reason"), Some("jira-quota-tenant-based"));
    assert_eq!(header(&r, "retry-after"), Some("1800"));
    assert_eq!(header(&r, "x-ratelimit-reset"), Some("2026-01-05T10:00:00Z"));
    advance(&sb, "30m").await;
    assert_eq!(sb.get("/rest/api/3/serverInfo").await.0, StatusCode::OK);
}
