//! Faults come from the sandbox's own `/_sandbox/faults` rules (429s, 5xx, "commit then fail"),
//! and what reached it is read from its request log. No proxy: the sandbox produces every fault
//! these tests need.

use std::time::Duration;

use jirakit::retry::RetryPolicy;
use jirakit::Client;
use jirakit_sandbox::Seed;
use jirakit_testkit::TestSandbox;
use serde_json::{json, Value};

use crate::resources::{logged, quiet};
use crate::support::*;

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        min_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// A sandbox without rate limits and a client with fast retries, warmed up (deployment and
/// field catalog known) so the faults meet only the requests under test.
pub async fn faulted(seed: Seed) -> (TestSandbox, Client) {
    let sb = quiet(seed).await;
    let jira = fast_client(&sb);
    jira.deployment().await.unwrap();
    jira.fields().catalog().await.unwrap();
    (sb, jira)
}

/// Installs fault rules: (method, path pattern, count, action).
pub async fn inject(sb: &TestSandbox, rules: &[(&str, &str, u64, Value)]) {
    let rules: Vec<Value> = rules
        .iter()
        .map(|(m, p, n, a)| json!({"method": m, "path": p, "count": n, "action": a}))
        .collect();
    let r = sb.put("/_sandbox/faults", &json!({ "rules": rules })).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn a_get_rides_through_429s_and_503s() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[
            (
                "GET",
                "/rest/api/*/issue/SHOP-1",
                2,
                json!({"status": 429, "retry_after": 0}),
            ),
            (
                "GET",
                "/rest/api/*/issue/SHOP-1",
                1,
                json!({"status": 503, "retry_after": 0}),
            ),
        ],
    )
    .await;
    let issue = jira.issues().get("SHOP-1").send().await.unwrap();
    assert_eq!(issue.key.unwrap().as_str(), "SHOP-1");
    let statuses: Vec<u16> = logged(&sb, "/issue/SHOP-1").await.iter().map(|r| r.2).collect();
    assert_eq!(statuses, vec![429, 429, 503, 200]);
}

#[tokio::test]
async fn retries_stop_after_four_and_the_error_keeps_the_rate_limit_headers() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[(
            "GET",
            "/rest/api/*/issue/SHOP-1",
            10,
            json!({"status": 429, "retry_after": 0}),
        )],
    )
    .await;
    let e = jira.issues().get("SHOP-1").send().await.unwrap_err();
    assert!(e.is_rate_limited() && e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::ZERO));
    assert_eq!(e.api().unwrap().attempts, 5);
    assert!(e
        .api()
        .unwrap()
        .request_id
        .as_deref()
        .unwrap()
        .starts_with("sandbox-"));
    assert_eq!(logged(&sb, "/issue/SHOP-1").await.len(), 5);
}

#[tokio::test]
async fn the_sandboxs_own_limiter_answers_with_every_rate_limit_header() {
    // Frozen clock, one request per second per endpoint: the second GET is refused for real.
    let sb = sandbox(Seed::Demo).await;
    let jira = Client::builder(sb.sandbox.url())
        .auth(jirakit::Auth::basic(
            &sb.sandbox.config().email,
            &sb.sandbox.config().api_token,
        ))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    jira.deployment().await.unwrap();
    let r = sb.put("/_sandbox/limits", &json!({"burst_per_second": 1})).await;
    assert!(r.status().is_success());
    jira.issues().get("SHOP-1").send().await.unwrap();
    let e = jira.issues().get("SHOP-2").send().await.unwrap_err();
    assert!(e.is_rate_limited(), "{e}");
    let rl = e.rate_limit().unwrap();
    assert_eq!(rl.reason.as_deref(), Some("jira-burst-based"));
    assert!(rl.retry_after.is_some(), "{rl:?}");
}

#[tokio::test]
async fn a_plain_create_is_not_retried_after_a_500_so_it_cannot_duplicate() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[("POST", "/rest/api/*/issue", 1, json!({"commit_then": 500}))],
    )
    .await;
    let e = jira
        .issues()
        .create("SHOP", "Task", "only once")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.api().unwrap().attempts, 1);
    assert_eq!(direct_count(&client(&sb), "summary ~ \"only once\"").await, 1);
}

#[tokio::test]
async fn a_plain_create_is_not_retried_after_a_503_with_retry_after_either() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[(
            "POST",
            "/rest/api/*/issue",
            1,
            json!({"commit_then": 503, "retry_after": 0}),
        )],
    )
    .await;
    let e = jira
        .issues()
        .create("SHOP", "Task", "just once")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(direct_count(&client(&sb), "summary ~ \"just once\"").await, 1);
}

#[tokio::test]
async fn a_create_refused_with_429_is_retried_even_though_it_is_a_post() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[(
            "POST",
            "/rest/api/*/issue",
            2,
            json!({"status": 429, "retry_after": 0}),
        )],
    )
    .await;
    jira.issues()
        .create("SHOP", "Task", "after the storm")
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct_count(&client(&sb), "summary ~ \"after the storm\"").await,
        1
    );
}

#[tokio::test]
async fn a_transition_that_committed_then_failed_is_read_back_not_repeated() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[(
            "POST",
            "/rest/api/*/issue/SHOP-1/transitions",
            1,
            json!({"commit_then": 502}),
        )],
    )
    .await;
    let t = jira
        .issues()
        .transition("SHOP-1")
        .to_status("In Progress")
        .send()
        .await
        .unwrap();
    assert_eq!(t.to.name, "In Progress");
    let posts: Vec<_> = logged(&sb, "/issue/SHOP-1/transitions")
        .await
        .into_iter()
        .filter(|r| r.0 == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "the transition was sent once: {posts:?}");
}

#[tokio::test]
async fn a_429_paces_every_clone_of_the_client() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[(
            "GET",
            "/rest/api/*/issue/SHOP-1",
            1,
            json!({"status": 429, "retry_after": 1}),
        )],
    )
    .await;
    let other = jira.clone();
    let a = tokio::spawn(async move { jira.issues().get("SHOP-1").send().await.map(drop) });
    // Wait (bounded) until the 429 has paused the client; then the clone must wait it out too.
    let mut paused = Duration::ZERO;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        paused = other.paused_for().await;
        if !paused.is_zero() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(
        paused > Duration::from_millis(500),
        "the 429 did not pause the client: {paused:?}"
    );
    let t0 = tokio::time::Instant::now();
    other.issues().get("SHOP-2").send().await.unwrap();
    assert!(
        t0.elapsed() + Duration::from_millis(50) >= paused,
        "{:?} < {paused:?}",
        t0.elapsed()
    );
    a.await.unwrap().unwrap();
}

pub async fn direct_count(jira: &Client, jql: &str) -> usize {
    use futures_util::TryStreamExt;
    let v: Vec<_> = jira.search(jql).into_stream().try_collect().await.unwrap();
    v.len()
}
