//! Reads go through a pool of read-only connections outside the writer's lock: a read after a
//! successful write must still see that write, data and site configuration alike.

use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::Sb;

#[tokio::test]
async fn a_read_after_a_write_sees_it_even_under_concurrent_load() {
    let sb = std::sync::Arc::new(Sb::start(Seed::Empty).await);
    sb.without_limits().await;
    sb.project("RW").await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let sb = sb.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..8 {
                let key = sb.issue("RW", &format!("created {t}-{round}"), "Task").await;
                let path = format!("/rest/api/3/issue/{key}");
                let (s, b) = sb.get(&path).await;
                assert_eq!(s, StatusCode::OK, "{key} right after its creation: {b}");
                assert_eq!(b["fields"]["summary"], format!("created {t}-{round}"));

                let (s, b) = sb
                    .put(
                        &path,
                        json!({"fields": {"summary": format!("edited {t}-{round}")}}),
                    )
                    .await;
                assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
                let (_, b) = sb.get(&path).await;
                assert_eq!(b["fields"]["summary"], format!("edited {t}-{round}"), "{key}");

                let (_, found) = sb
                    .post(
                        "/rest/api/3/search/jql",
                        json!({"jql": format!("key = {key}"), "fields": ["summary"]}),
                    )
                    .await;
                assert_eq!(
                    found["issues"][0]["fields"]["summary"],
                    format!("edited {t}-{round}")
                );

                let (s, _) = sb.delete(&path).await;
                assert_eq!(s, StatusCode::NO_CONTENT);
                let (s, _) = sb.get(&path).await;
                assert_eq!(s, StatusCode::NOT_FOUND, "{key} after its deletion");
            }
        }));
    }
    for t in tasks {
        t.await.expect("a client task");
    }
}

#[tokio::test]
async fn a_read_after_a_configuration_change_sees_the_new_configuration() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    for n in 0..5 {
        // A new project changes the cached site configuration that readers take their own copy of.
        let project = format!("NEW{n}");
        sb.project(&project).await;
        let key = sb.issue(&project, "in a brand-new project", "Story").await;
        let (s, b) = sb.get(&format!("/rest/api/3/issue/{key}")).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["fields"]["project"]["key"], project);
        assert_eq!(b["fields"]["issuetype"]["name"], "Story");
    }
    // A reset empties everything; the readers see that at once too.
    let (s, b) = sb.post("/_sandbox/reset", json!({"seed": "empty"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = sb.get("/rest/api/3/issue/NEW0-1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = sb.get("/rest/api/3/project/NEW0").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
}
