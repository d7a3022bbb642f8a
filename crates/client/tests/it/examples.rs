//! The examples, run as library functions against a sandbox (their `main` reads the same
//! settings from JIRA_BASE_URL / JIRA_EMAIL / JIRA_API_TOKEN / JIRA_PAT).

#[allow(dead_code)]
#[path = "../../examples/create_ticket.rs"]
mod create_ticket;
#[allow(dead_code)]
#[path = "../../examples/sync_issues.rs"]
mod sync_issues;
#[allow(dead_code)]
#[path = "../../examples/transition_overdue.rs"]
mod transition_overdue;

use jirakit_sandbox::Seed;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn create_ticket_files_one_bug_even_when_run_twice() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let a = create_ticket::run(&jira, "SHOP", "Checkout crashes", "stack trace here", "crash-1")
        .await
        .unwrap();
    let b = create_ticket::run(&jira, "SHOP", "Checkout crashes", "stack trace here", "crash-1")
        .await
        .unwrap();
    assert_eq!(a.key, b.key, "a rerun finds the first ticket");
    assert_eq!(
        crate::faults::direct_count(&jira, "labels = \"jk-idem-crash-1\"").await,
        1
    );
    let issue = jira
        .issues()
        .get(a.key.as_str())
        .fields(["labels", "issuetype"])
        .send()
        .await
        .unwrap();
    assert_eq!(issue.fields.issuetype.unwrap().name, "Bug");
}

#[tokio::test]
async fn create_ticket_reads_its_settings_from_the_environment() {
    let sb = sandbox(Seed::Demo).await;
    let c = sb.sandbox.config();
    // nextest runs each test in its own process, so the environment is this test's alone.
    std::env::set_var("JIRA_BASE_URL", sb.sandbox.url());
    std::env::set_var("JIRA_EMAIL", &c.email);
    std::env::set_var("JIRA_API_TOKEN", &c.api_token);
    std::env::remove_var("JIRA_PAT");
    let jira = create_ticket::client_from_env().unwrap();
    let created = create_ticket::run(&jira, "SHOP", "From env", "d", "env-1")
        .await
        .unwrap();
    assert!(created.key.as_str().starts_with("SHOP-"));
}

#[tokio::test]
async fn sync_issues_maps_story_points_by_name() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let key = jira
        .issues()
        .create("SHOP", "Story", "sized")
        .field("Story Points", json!(8.0))
        .send()
        .await
        .unwrap()
        .key;
    let records = sync_issues::run(&jira, "project = SHOP ORDER BY key ASC")
        .await
        .unwrap();
    assert!(records.len() > 1);
    let r = records.iter().find(|r| r.key == key.as_str()).unwrap();
    assert_eq!(r.story_points, Some(8.0));
    assert_eq!(r.summary, "sized");
    assert!(!r.status.is_empty());
}

#[tokio::test]
async fn transition_overdue_moves_only_overdue_unfinished_issues() {
    let sb = sandbox(Seed::Empty).await;
    let jira = client(&sb);
    let p = sb
        .post(
            "/rest/api/3/project",
            &json!({"key": "OD", "name": "Overdue", "projectTypeKey": "software", "leadAccountId": admin_id(&sb).await}),
        )
        .await;
    assert!(p.status().is_success(), "{:?}", p.text().await);
    let late = jira
        .issues()
        .create("OD", "Task", "late")
        .field("duedate", json!("2025-12-01"))
        .send()
        .await
        .unwrap()
        .key;
    let on_time = jira
        .issues()
        .create("OD", "Task", "on time")
        .field("duedate", json!("2026-03-01"))
        .send()
        .await
        .unwrap()
        .key;
    let target = jira.issues().transitions(late.as_str()).await.unwrap()[0]
        .to
        .name
        .clone();
    let report = transition_overdue::run(&jira, "OD", &target).await.unwrap();
    assert_eq!(report.moved, vec![late.to_string()]);
    assert!(report.failed.is_empty());
    let status = |k: String| {
        let jira = jira.clone();
        async move {
            jira.issues()
                .get(k)
                .fields(["status"])
                .send()
                .await
                .unwrap()
                .fields
                .status
                .unwrap()
                .name
        }
    };
    assert_eq!(status(late.to_string()).await, target);
    assert_ne!(status(on_time.to_string()).await, target);

    let report = transition_overdue::run(&jira, "OD", "Nowhere").await.unwrap();
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].1.contains("Nowhere"), "{:?}", report.failed);
}

async fn admin_id(sb: &jirakit_testkit::TestSandbox) -> String {
    let me: serde_json::Value = sb.get("/rest/api/3/myself").await.json().await.unwrap();
    me["accountId"].as_str().unwrap().to_owned()
}
