use std::sync::atomic::Ordering;

use axum::http::Method;
use jirakit_sandbox::Seed;

use crate::faults::{direct_count, proxied, Fault};
use crate::support::*;

#[tokio::test]
async fn a_create_that_committed_then_failed_is_found_not_duplicated() {
    let (sb, proxy, jira) = proxied(Seed::Demo).await;
    jira.deployment().await.unwrap();
    jira.fields().catalog().await.unwrap();
    proxy.inject(Method::POST, "/rest/api/3/issue", Fault::CommitThenFail(502), 1);
    let created = jira
        .issues()
        .create("SHOP", "Bug", "crash in checkout")
        .idempotency_key("crash-8412")
        .send()
        .await
        .unwrap();
    let direct = client(&sb);
    assert_eq!(direct_count(&direct, "summary ~ \"crash in checkout\"").await, 1);
    let prop = direct
        .issues()
        .property(created.key.as_str(), "jirakit.idempotency")
        .await
        .unwrap();
    assert_eq!(prop, Some(serde_json::json!({"key": "crash-8412"})));
}

#[tokio::test]
async fn a_create_that_failed_before_committing_is_sent_again_once() {
    let (sb, proxy, jira) = proxied(Seed::Demo).await;
    jira.deployment().await.unwrap();
    jira.fields().catalog().await.unwrap();
    proxy.inject(Method::POST, "/rest/api/3/issue", Fault::Refuse(502, None), 1);
    let before = proxy.forwarded.load(Ordering::SeqCst);
    jira.issues()
        .create("SHOP", "Bug", "lost in transit")
        .idempotency_key("transit-1")
        .settle_polls(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct_count(&client(&sb), "summary ~ \"lost in transit\"").await,
        1
    );
    // the refused create never reached Jira: one lookup search, then the second create
    assert_eq!(proxy.forwarded.load(Ordering::SeqCst) - before, 2);
}

#[tokio::test]
async fn the_same_key_twice_returns_the_first_issue() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let a = jira
        .issues()
        .create("SHOP", "Task", "once")
        .idempotency_key("k-1")
        .send()
        .await
        .unwrap();
    let found = jira
        .issues()
        .create("SHOP", "Task", "once")
        .idempotency_key("k-1")
        .lookup()
        .await
        .unwrap();
    assert_eq!(found.map(|f| f.key), Some(a.key));
}

#[tokio::test]
async fn a_key_with_jql_characters_is_refused() {
    let sb = sandbox(Seed::Demo).await;
    let e = client(&sb)
        .issues()
        .create("SHOP", "Task", "x")
        .idempotency_key("a\" OR 1=1")
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("idempotency key"), "{e}");
}
