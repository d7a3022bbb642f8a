use jirakit_sandbox::Seed;
use serde_json::json;

use crate::faults::{direct_count, faulted, inject};
use crate::resources::logged;
use crate::support::*;

#[tokio::test]
async fn a_create_that_committed_then_failed_is_found_not_duplicated() {
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(
        &sb,
        &[("POST", "/rest/api/*/issue", 1, json!({"commit_then": 502}))],
    )
    .await;
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
    let (sb, jira) = faulted(Seed::Demo).await;
    inject(&sb, &[("POST", "/rest/api/*/issue", 1, json!({"status": 502}))]).await;
    jira.issues()
        .create("SHOP", "Bug", "lost in transit")
        .idempotency_key("transit-1")
        .settle_polls(1)
        .send()
        .await
        .unwrap();
    // the refused create never reached Jira: a refused create, one lookup search, the second create
    let seen: Vec<(String, u16)> = logged(&sb, "/rest/api/3/")
        .await
        .into_iter()
        .filter(|r| r.1.ends_with("/issue") || r.1.contains("/search"))
        .map(|r| (r.1, r.2))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("/rest/api/3/issue".to_owned(), 502),
            ("/rest/api/3/search/jql".to_owned(), 200),
            ("/rest/api/3/issue".to_owned(), 201),
        ]
    );
    assert_eq!(
        direct_count(&client(&sb), "summary ~ \"lost in transit\"").await,
        1
    );
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
